from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_scopes import scope

from helpdesk.models import Membership, Tenant, User
from helpdesk.platform.enqueue import enqueue_now
from helpdesk.services import password_reset_email_send


class TenantLoginForm(AuthenticationForm):
    """Sign in to the request's tenant; a valid user who is not a member is refused."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong e-mail or password."),
        "not_member": _("This account has no access to this service desk."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        tenant = self.request.tenant
        with scope(tenant=tenant):
            is_member = Membership.objects.filter(user=user, is_active=True).exists()
        if not is_member:
            raise forms.ValidationError(self.error_messages["not_member"], code="not_member")


class TenantPasswordResetForm(PasswordResetForm):
    """Only members of the request's tenant get a reset mail, with a link on its host."""

    def __init__(self, *args, tenant: Tenant, **kwargs):
        self.tenant = tenant
        super().__init__(*args, **kwargs)

    def get_users(self, email):
        with scope(tenant=self.tenant):
            users = User.objects.filter(
                email__iexact=email,
                is_active=True,
                memberships__tenant=self.tenant,
                memberships__is_active=True,
            )
            return [u for u in users if u.has_usable_password()]

    def save(self, *, request, **kwargs) -> None:
        """Queue the e-mail instead of sending it here, so the answer takes as long for an
        unknown address as for a member's: response time tells nobody who has an account.
        The token is made by the worker; nothing secret passes through the broker."""
        link = {
            "user_id": None,
            "domain": request.get_host(),
            "protocol": "https" if request.is_secure() else "http",
            "language": translation.get_language(),
        }
        for user in self.get_users(self.cleaned_data["email"]):
            link["user_id"] = user.pk
            if not enqueue_now("helpdesk.tasks.send_password_reset_email", **link):
                password_reset_email_send(**link)  # broker down: the member still gets the link


class TenantSignupForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        help_text=_(
            "Lower-case letters, digits and hyphens; your desk will live at <address>.<domain>."
        ),
    )
    admin_email = forms.EmailField(label=_("Your e-mail"))
    time_zone = forms.CharField(label=_("Time zone"), initial="Asia/Shanghai", max_length=64)
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=Tenant._meta.get_field("default_language").choices
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        field = Tenant._meta.get_field("slug")
        for validator in field.validators:
            validator(slug)
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This address is taken."))
        return slug

    def clean_admin_email(self):
        return User.objects.normalize_email(self.cleaned_data["admin_email"]).lower()

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        Tenant._meta.get_field("time_zone").run_validators(value)
        return value


class SignupPasswordForm(forms.Form):
    """The mailed link's page: a new administrator chooses a password; an existing account is
    asked for nothing (its password is neither set nor checked here)."""

    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str, needs_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        if not needs_password:
            self.fields.clear()

    def clean(self):
        cleaned = super().clean()
        if not self.fields or self.errors:
            return cleaned
        if cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords differ."))
            return cleaned
        try:
            password_validation.validate_password(cleaned["password1"], User(email=self.email))
        except forms.ValidationError as error:
            self.add_error("password1", error)
        return cleaned

    def password(self) -> str | None:
        return self.cleaned_data.get("password1")


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    membership = forms.ModelChoiceField(label=_("Acts as"), queryset=Membership.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            is_active=True
        ).select_related("user")


class PrivacySettingsForm(forms.Form):
    # Up to a hundred years; anything longer is a typo for "for ever" (leave it empty).
    personal_data_retention_days = forms.IntegerField(
        label=Tenant._meta.get_field("personal_data_retention_days").verbose_name,
        help_text=Tenant._meta.get_field("personal_data_retention_days").help_text,
        required=False,
        min_value=0,
        max_value=36500,
    )


def member_choices():
    return Membership.objects.filter(is_active=True).select_related("user").order_by("user__email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return str(obj.user)
