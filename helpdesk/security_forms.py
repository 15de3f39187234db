"""Forms of the account-security pages: second factor and the tenant's sign-in policy."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import TwoFactorPolicy


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        attrs = {"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", 32)
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)


class TwoFactorCodeForm(forms.Form):
    code = CodeField(
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes.")
    )


class TwoFactorConfirmForm(forms.Form):
    code = CodeField(help_text=_("The six digits your authenticator app shows now."))


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = CodeField(
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes.")
    )
    code.widget.attrs.pop("autofocus", None)


class TwoFactorPolicyForm(forms.Form):
    two_factor_required_for = forms.ChoiceField(
        label=_("Require two-factor authentication for"),
        choices=TwoFactorPolicy.choices,
        help_text=_(
            "Members it covers who have not set up an authenticator are asked to do so the next "
            "time they open a page."
        ),
    )
