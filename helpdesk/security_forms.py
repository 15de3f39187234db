"""Forms of the account-security pages: second factor and the tenant's sign-in policy."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import OidcProvider, SamlProvider, TwoFactorPolicy
from helpdesk.oidc import oidc_issuer_url_allowed
from helpdesk.saml import saml_sso_url_allowed


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


class OidcProviderForm(forms.ModelForm):
    """The tenant's OpenID Connect provider. The secret is write-only: the page never shows it,
    and leaving it empty keeps the stored one."""

    issuer = forms.URLField(
        label=_("Issuer URL"),
        max_length=300,
        assume_scheme="https",
        help_text=_("The provider's issuer, as in its /.well-known/openid-configuration."),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text=_("Leave empty to keep the stored secret."),
    )

    class Meta:
        model = OidcProvider
        fields = [
            "display_name",
            "issuer",
            "client_id",
            "default_role",
            "allowed_email_domains",
            "idp_enforces_mfa",
            "is_active",
        ]

    def clean_issuer(self) -> str:
        issuer = self.cleaned_data["issuer"].rstrip("/")
        if not oidc_issuer_url_allowed(issuer):
            raise forms.ValidationError(
                _("Use an https:// issuer URL whose host is public (not an internal address).")
            )
        return issuer

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("client_secret"):
            self.add_error("client_secret", _("Enter the client secret."))
        return cleaned


class SamlProviderForm(forms.ModelForm):
    """The tenant's SAML 2.0 identity provider; the certificate is checked by the model field's
    validator (one PEM certificate, not expired)."""

    sso_url = forms.URLField(
        label=_("IdP single sign-on URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the browser is sent with the sign-in request (HTTP-Redirect binding)."),
    )

    class Meta:
        model = SamlProvider
        fields = [
            "display_name",
            "entity_id",
            "sso_url",
            "certificate",
            "email_attribute",
            "name_attribute",
            "default_role",
            "allowed_email_domains",
            "idp_enforces_mfa",
            "is_active",
        ]
        widgets = {"certificate": forms.Textarea(attrs={"rows": 8, "spellcheck": "false"})}

    def clean_entity_id(self) -> str:
        return self.cleaned_data["entity_id"].strip()

    def clean_sso_url(self) -> str:
        url = self.cleaned_data["sso_url"]
        if not saml_sso_url_allowed(url):
            raise forms.ValidationError(_("Use an https:// single sign-on URL."))
        return url

    def clean_certificate(self) -> str:
        return self.cleaned_data["certificate"].replace("\r\n", "\n").strip() + "\n"
