"""Forms of the customer pages and the portal. They only parse and validate; views hand the
cleaned data to ``customers.services``. Querysets run inside the request's tenant scope."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import MemberChoiceField, member_choices
from helpdesk.models import Membership
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from helpdesk.platform.public_addresses import (
    HostRefused,
    connectable_addresses,
    has_line_break_or_nul,
)

from .models import KEY_INFO_MAX_LENGTH, Organization, Tier

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def tag_names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("，", ",").split(",") if name.strip()]


class TierChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=Tier.objects.none(), **kwargs)


# --- agent pages ------------------------------------------------------------------------------


class CustomerFilterForm(forms.Form):
    """GET filters of the customer list; an invalid value is dropped, never an error page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, e-mail, phone or organization")}
        ),
    )
    tier = TierChoiceField(label=_("Tier"), empty_label=_("Any tier"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.all()

    def filters(self) -> dict:
        if not self.is_valid():
            return {"query": "", "tier_id": None}
        tier = self.cleaned_data["tier"]
        return {"query": self.cleaned_data["q"], "tier_id": tier.pk if tier else None}


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    tier = TierChoiceField(label=_("Tier"), help_text=_("Empty: the organization's tier applies."))
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. price-sensitive."),
    )
    account_manager = MemberChoiceField(
        label=_("Account manager"), queryset=Membership.objects.none(), required=False
    )
    key_info = forms.CharField(
        label=_("Key information"),
        required=False,
        max_length=KEY_INFO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown prominently to every agent working this customer's tickets."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The service desk's default")), *settings.LANGUAGES],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["tier"].queryset = Tier.objects.all()
        self.fields["account_manager"].queryset = member_choices()

    @classmethod
    def initial_for(cls, customer) -> dict:
        return {
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "organization": customer.organization_id,
            "tier": customer.tier_id,
            "tags": ", ".join(tag.name for tag in customer.tags.all()),
            "account_manager": customer.account_manager_id,
            "key_info": customer.key_info,
            "notes": customer.notes,
            "language": customer.language,
        }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["tags"] = tag_names(data["tags"])
        return data


class CustomerMergeForm(forms.Form):
    duplicate = forms.CharField(
        label=_("Duplicate customer"),
        max_length=254,
        help_text=_("The e-mail address or the ID of the duplicate to merge into this customer."),
    )


class CustomerAnonymiseForm(forms.Form):
    """The confirmation step of an erasure: a reason for the audit trail, and the customer's
    ID typed again so a slip of the keyboard cannot erase anyone."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_(
            "For the audit trail, e.g. the date and channel of the request. "
            "Do not repeat the customer's personal data here."
        ),
    )
    confirmation = forms.CharField(label=_("Customer ID"), max_length=20)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["confirmation"].help_text = _("Type %(id)s to confirm.") % {"id": customer.pk}

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"].strip().lstrip("#")
        if value != str(self.customer.pk):
            raise forms.ValidationError(_("This is not the ID of this customer."))
        return value


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name, email, phone, organization, tier, tags, key_info, notes, language."
        ),
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    tier = TierChoiceField(label=_("Tier"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.all()


class PortalNoticeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    starts_at = forms.DateTimeField(label=_("Shown from"), required=False, widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Shown until"), required=False, widget=DATETIME_WIDGET)


class MailboxForm(forms.Form):
    address = forms.EmailField(
        label=_("Support address"),
        help_text=_("Customers write to this address; replies go to its +token variant."),
    )
    host = forms.CharField(label=_("IMAP host"), max_length=200)
    port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    username = forms.CharField(label=_("User name"), max_length=200)
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the stored password."),
    )
    use_ssl = forms.BooleanField(label=_("Use SSL"), required=False, initial=True)
    folder = forms.CharField(label=_("Folder"), max_length=100, initial="INBOX")
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_host(self) -> str:
        """The server reads this mailbox from inside the network: the host must be public
        (``tickets.inbound_mail.imap_connect`` checks it again before each connection)."""
        host = self.cleaned_data["host"].strip().strip("[]")
        allow_private = settings.HELPDESK_MAILBOX_ALLOW_PRIVATE
        try:
            connectable_addresses(host, 993, allow_private=allow_private)
        except HostRefused as refused:
            if not refused.resolved:
                raise forms.ValidationError(_("This host name does not resolve.")) from None
            raise forms.ValidationError(
                _("This host reaches a private or reserved address; use a public one.")
            ) from None
        return host

    def clean_username(self) -> str:
        return _one_line(self.cleaned_data["username"])

    def clean_password(self) -> str:
        return _one_line(self.cleaned_data["password"])


def _one_line(value: str) -> str:
    # A line break would end the IMAP LOGIN command and start one of the sender's choosing.
    if has_line_break_or_nul(value):
        raise forms.ValidationError(_("Line breaks and null characters are not allowed here."))
    return value
