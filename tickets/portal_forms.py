"""Forms of the customer portal: the web form, a reply, the sign-in request, registering a
product."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from helpdesk.platform.form_fields import MultipleFileField
from products.models import Product, Unit
from products.selectors import products_in_catalogue, units_of_customer
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


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.localised_name} ({obj.model_code})"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.product.localised_name} · {obj.serial}"


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
    unit = UnitChoiceField(
        label=_("Product"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("None / not registered"),
        help_text=_("One of your registered products, if the request is about it."),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # Honeypot: hidden from people (CSS and aria-hidden); robots fill every field they see.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        """``customer``: the signed-in customer, whose units are offered."""
        super().__init__(*args, **kwargs)
        offer_units(self, customer)
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


def offer_units(form: forms.Form, customer: Customer | None) -> None:
    """The signed-in customer's units in the form's optional ``unit`` select; without a
    signed-in customer there is nothing to pick and the field goes. Any other unit is not
    a valid choice, so someone else's unit id is refused with the field named."""
    if customer is None:
        del form.fields["unit"]
        return
    form.fields["unit"].queryset = units_of_customer(customer=customer)


class PortalUnitRegisterForm(forms.Form):
    """A customer registers a product they bought; ``products.services.unit_register``
    checks the serial, the dates and the invoice."""

    serial = forms.CharField(
        label=_("Serial number"),
        max_length=80,
        help_text=_("Printed on the label on the back or the bottom of the product."),
    )
    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("Choose…")
    )
    purchased_on = forms.DateField(
        label=_("Purchase date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    purchase_channel = forms.CharField(
        label=_("Bought from (shop or dealer)"), max_length=200, required=False
    )
    installation_address = forms.CharField(
        label=_("Installation address"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    invoice = forms.FileField(
        label=_("Invoice"),
        required=False,
        help_text=_("A PDF, JPEG or PNG of the purchase invoice."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products_in_catalogue()
        self.fields["serial"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters"}
        )
