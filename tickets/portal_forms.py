"""Forms of the customer portal: the web form, a reply, the sign-in request."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from helpdesk.platform.form_fields import MultipleFileField
from tickets.models import Category


def suggest_subject_attrs() -> dict[str, str]:
    """htmx attributes for the portal web form's subject input: while the customer types,
    matching public articles appear in ``#kb-suggestions``
    (``{% include "knowledge/public/_suggest_target.html" %}``). The input sends its own
    value as ``subject``, which the suggest endpoint reads like ``q``."""
    return {
        "hx-get": str(reverse_lazy("knowledge:public_suggest")),
        # "input", not "keyup": text from an input method (Chinese), a paste or autofill
        # changes the value without a key going up.
        "hx-trigger": "input changed delay:400ms",
        "hx-target": "#kb-suggestions",
        "hx-swap": "innerHTML",
        "autocomplete": "off",
    }


class PortalTicketForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("We send the link to follow your request here.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Product / model and what happens help us most."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Not sure"),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # Honeypot: hidden from people (CSS and aria-hidden); robots fill every field they see.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        # Self-service deflection: matching public articles appear while the subject is typed.
        self.fields["subject"].widget.attrs.update(suggest_subject_attrs())
        for name in ("name", "email", "phone"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "name": "name",
                "email": "email",
                "phone": "tel",
            }[name]

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class PortalSignInForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
