"""Pages of the second factor: enrolment, the code after the password, recovery codes, and the
tenant admin's policy. The rules live in ``helpdesk.two_factor``."""

from axes.helpers import get_lockout_response
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import safe_next
from helpdesk.security_forms import (
    TwoFactorCodeForm,
    TwoFactorConfirmForm,
    TwoFactorDisableForm,
    TwoFactorPolicyForm,
)
from helpdesk.two_factor import (
    recovery_codes_left,
    tenant_two_factor_update,
    totp_device_pending,
    totp_qr_svg,
    totp_secret_text,
    two_factor_disable,
    two_factor_enrol_confirm,
    two_factor_enrol_start,
    two_factor_enrolled,
    two_factor_locked_out,
    two_factor_recovery_codes_regenerate,
    two_factor_required_by_tenant,
    two_factor_verify,
)


@member_required()
@require_http_methods(["GET", "POST"])
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """The code asked for after the password."""
    if not two_factor_enrolled(user=request.user):
        # Nothing to verify with; the gate sends such members to enrolment, a bookmark here.
        return render(request, "helpdesk/two_factor_verify.html", {"enrolled": False})
    credentials = {"username": request.user.email}
    if two_factor_locked_out(request=request, user=request.user):
        return get_lockout_response(request, None, credentials)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["code"]
        if two_factor_verify(request=request, membership=request.membership, token=token):
            return redirect(safe_next(request, "/"))
        form.add_error("code", _("That code is not valid, or it was used already."))
    status = 400 if request.method == "POST" else 200
    next_url = request.POST.get("next") or request.GET.get("next", "")
    context = {"form": form, "next": next_url, "enrolled": True}
    return render(request, "helpdesk/two_factor_verify.html", context, status=status)


@member_required()
@require_http_methods(["GET", "POST"])
def two_factor_enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: start (POST), scan and confirm with a first code (POST)."""
    if two_factor_enrolled(user=request.user) and not request.user.is_verified():
        # Only the password so far: replacing the authenticator would skip the second factor.
        return redirect("two_factor_verify")
    form = TwoFactorConfirmForm(request.POST if "code" in request.POST else None)
    if request.method == "POST" and "start" in request.POST:
        two_factor_enrol_start(user=request.user)
        return redirect("two_factor_enrol")
    if request.method == "POST" and form.is_valid():
        codes = two_factor_enrol_confirm(
            request=request, membership=request.membership, token=form.cleaned_data["code"]
        )
        if codes is not None:
            return _recovery_codes_page(request, codes, next_url=safe_next(request, "/"))
        form.add_error("code", _("That code is not valid. Check the time on your phone."))
    device = totp_device_pending(user=request.user)
    context = {
        "form": form,
        "device": device,
        "qr_svg": totp_qr_svg(device) if device else "",
        "secret": totp_secret_text(device) if device else "",
        "required": two_factor_required_by_tenant(
            tenant=request.tenant, membership=request.membership
        ),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "helpdesk/two_factor_enrol.html", context, status=status)


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, next_url: str) -> HttpResponse:
    """Shown once, in the answer to the POST that made them: they are never displayed again."""
    response = render(
        request, "helpdesk/two_factor_recovery_codes.html", {"codes": codes, "next": next_url}
    )
    response["Cache-Control"] = "no-store"
    return response


@member_required()
@require_http_methods(["GET"])
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    context = {
        "enrolled": two_factor_enrolled(user=request.user),
        "codes_left": recovery_codes_left(user=request.user),
        "required": two_factor_required_by_tenant(
            tenant=request.tenant, membership=request.membership
        ),
        "disable_form": TwoFactorDisableForm(),
    }
    return render(request, "helpdesk/two_factor_overview.html", context)


@member_required()
@require_POST
def two_factor_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    if not two_factor_enrolled(user=request.user):
        return redirect("two_factor_enrol")
    codes = two_factor_recovery_codes_regenerate(membership=request.membership)
    return _recovery_codes_page(request, codes, next_url="/accounts/two-factor/")


@member_required()
@require_POST
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    form = TwoFactorDisableForm(request.POST)
    if form.is_valid() and two_factor_disable(
        request=request,
        membership=request.membership,
        password=form.cleaned_data["password"],
        token=form.cleaned_data["code"],
    ):
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("two_factor_overview")
    form.add_error(None, _("Wrong password or code."))
    context = {
        "enrolled": True,
        "codes_left": recovery_codes_left(user=request.user),
        "required": two_factor_required_by_tenant(
            tenant=request.tenant, membership=request.membership
        ),
        "disable_form": form,
    }
    return render(request, "helpdesk/two_factor_overview.html", context, status=400)


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def security_settings(request: HttpRequest) -> HttpResponse:
    """The tenant's sign-in policy: who needs a second factor (and single sign-on)."""
    initial = {"two_factor_required_for": request.tenant.two_factor_required_for}
    form = TwoFactorPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        tenant_two_factor_update(
            tenant=request.tenant,
            actor=request.membership,
            required_for=form.cleaned_data["two_factor_required_for"],
        )
        messages.success(request, _("Security settings saved."))
        return redirect("security_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "helpdesk/security_settings.html", {"form": form}, status=status)
