"""Pages of the tenancy core: home, sign-up, tenant switch, settings, health."""

import logging

from celery import current_app as celery_app
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.forms import (
    ApiTokenForm,
    PrivacySettingsForm,
    SignupPasswordForm,
    TenantPasswordResetForm,
    TenantSignupForm,
)
from helpdesk.models import ApiToken, ConfigurationEvent, Membership, Role, Team, User
from helpdesk.platform import ratelimit
from helpdesk.platform.enqueue import enqueue_now
from helpdesk.platform.view_helpers import in_tenant_time_zone
from helpdesk.selectors import (
    api_token_get_for_admin,
    configuration_event_kinds,
    membership_for,
    memberships_of_user,
    user_exists_with_email,
    user_get_active,
)
from helpdesk.services import (
    api_token_create,
    api_token_revoke,
    tenant_create,
    tenant_privacy_update,
)
from helpdesk.signup import signup_email_send, signup_token_read
from helpdesk.tenancy import tenant_url

logger = logging.getLogger(__name__)
SWITCH_SALT = "helpdesk.tenant-switch"
SWITCH_MAX_AGE_SECONDS = 120


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status; 503 when either is down so a load balancer can tell."""
    status = {"database": _probe_database(), "broker": _probe_broker()}
    healthy = all(value == "ok" for value in status.values())
    status["status"] = "ok" if healthy else "degraded"
    return JsonResponse(status, status=200 if healthy else 503)


def _probe_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        logger.warning("healthz: database unreachable", exc_info=True)
        return "unavailable"


def _probe_broker() -> str:
    try:
        # The URL is read per call so a changed setting (tests, reloads) is what gets probed.
        with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return "ok"
    except Exception:
        logger.warning("healthz: broker unreachable", exc_info=True)
        return "unavailable"


# --- platform host ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def platform_landing(request: HttpRequest) -> HttpResponse:
    """The sign-up form. Every valid request is answered alike ("check your e-mail") and only
    queues a mail to the address given (``helpdesk.signup``)."""
    if not settings.HELPDESK_SIGNUP_OPEN:
        return _signup_closed(request)
    form = TenantSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if over_mail_limits(request, bucket="signup", email=data["admin_email"]):
            return too_many_requests(request)
        _signup_email_queue(request, {**data, "email": data["admin_email"]})
        return render(request, "platform/signup_sent.html")
    return render(request, "platform/landing.html", {"form": form})


def _signup_closed(request: HttpRequest) -> HttpResponse:
    status = 403 if request.method == "POST" else 200
    return render(request, "platform/signup_closed.html", status=status)


def _signup_email_queue(request: HttpRequest, data: dict) -> None:
    """Queued, so the answer takes as long whatever the address; the link is signed by the
    worker. With the broker down the mail is sent here."""
    mail = {
        "request": {field: data[field] for field in ("name", "slug", "email")}
        | {"time_zone": data["time_zone"], "default_language": data["default_language"]},
        "domain": request.get_host(),
        "protocol": "https" if request.is_secure() else "http",
        "language": translation.get_language(),
    }
    if not enqueue_now("helpdesk.tasks.send_signup_email", **mail):
        signup_email_send(**mail)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link: GET shows what will be created, POST creates it."""
    if not settings.HELPDESK_SIGNUP_OPEN:
        return _signup_closed(request)
    signup = signup_token_read(token)
    if signup is None:
        raise Http404
    needs_password = not user_exists_with_email(email=signup["email"])
    # Bound on every POST: an existing account's form has no fields, so its POST is empty.
    data = request.POST if request.method == "POST" else None
    form = SignupPasswordForm(data, email=signup["email"], needs_password=needs_password)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = _tenant_create_from_signup(signup, password=form.password())
        except ValidationError:  # the address was taken since the link was mailed
            form.add_error(None, _("This address is taken."))
        else:
            login_url = tenant_url(tenant, "/accounts/login/", request=request)
            context = {"new_tenant": tenant, "login_url": login_url}
            return render(request, "platform/signup_done.html", context)
    context = {
        "form": form,
        "signup": signup,
        "needs_password": needs_password,
        "desk_host": f"{signup['slug']}.{settings.HELPDESK_BASE_DOMAIN}",
    }
    return render(request, "platform/signup_confirm.html", context)


def _tenant_create_from_signup(signup: dict, *, password: str | None):
    tenant, _membership = tenant_create(
        slug=signup["slug"],
        name=signup["name"],
        admin_email=signup["email"],
        admin_password=password,
        time_zone=signup["time_zone"],
        default_language=signup["default_language"],
        origin="signup",
    )
    return tenant


# --- tenant host: home and switching --------------------------------------------------------


@member_required()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/home.html")


@member_required()
def tenant_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/tenant_list.html",
        {"memberships": memberships_of_user(user=request.user)},
    )


@member_required()
@require_POST
def tenant_switch(request: HttpRequest) -> HttpResponse:
    """Hand the session over to another tenant's host with a short-lived, single-use token."""
    target = next(
        (
            m.tenant
            for m in memberships_of_user(user=request.user)
            if m.tenant.slug == request.POST.get("tenant")
        ),
        None,
    )
    if target is None:
        messages.error(request, _("You are not a member of that service desk."))
        return redirect("tenant_list")
    token = signing.dumps(
        {
            "user": request.user.pk,
            "tenant": target.slug,
            "last_login": str(request.user.last_login),
        },
        salt=SWITCH_SALT,
    )
    return redirect(tenant_url(target, f"/accounts/switch/accept/?token={token}", request=request))


@require_http_methods(["GET", "POST"])
def tenant_switch_accept(request: HttpRequest) -> HttpResponse:
    """GET shows a confirmation; only the POST signs in (no state change on GET)."""
    token = request.POST.get("token") or request.GET.get("token", "")
    user = _user_from_switch_token(request, token)
    if user is None:
        messages.error(request, _("This sign-in link has expired. Please sign in again."))
        return redirect("login")
    if request.method == "POST":
        login(request, user, backend="helpdesk.auth.EmailBackend")
        return redirect("home")
    return render(request, "helpdesk/switch_accept.html", {"token": token, "switch_user": user})


def _user_from_switch_token(request: HttpRequest, token: str) -> User | None:
    try:
        data = signing.loads(token, salt=SWITCH_SALT, max_age=SWITCH_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if request.tenant is None or data.get("tenant") != request.tenant.slug:
        return None
    user = user_get_active(pk=data.get("user"))
    # The last-login stamp changes on every sign-in, which makes the token single-use.
    if user is None or str(user.last_login) != data.get("last_login"):
        return None
    return user if membership_for(user=user, tenant=request.tenant) else None


# --- tenant settings -----------------------------------------------------------------------------


@member_required(Role.ADMIN, Role.MANAGER)
def settings_overview(request: HttpRequest) -> HttpResponse:
    members = (
        Membership.objects.select_related("user")
        .prefetch_related("skills", "teams")
        .order_by("user__email")
    )
    teams = Team.objects.select_related("lead__user").prefetch_related("members")
    return render(request, "helpdesk/settings.html", {"members": members, "teams": teams})


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = api_token_create(
            membership=form.cleaned_data["membership"],
            name=form.cleaned_data["name"],
            actor=request.membership,
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("membership__user")
    return render(
        request, "helpdesk/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@member_required(Role.ADMIN)
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_get_for_admin(membership=request.membership, pk=pk)
    api_token_revoke(token=token, actor=request.membership)
    messages.success(request, _("Token revoked."))
    return redirect("api_tokens")


AUDIT_LOG_PAGE_SIZE = 50


@member_required(Role.ADMIN)
@require_http_methods(["GET"])
@in_tenant_time_zone
def audit_log(request: HttpRequest) -> HttpResponse:
    """Configuration changes, newest first, optionally of one kind of target."""
    kinds = [(label, _kind_name(label)) for label in configuration_event_kinds()]
    kind = request.GET.get("kind", "")
    events = ConfigurationEvent.objects.order_by("-created_at", "-pk")
    if kind:
        events = events.filter(target_type=kind)
    page = Paginator(events, AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.kind_name = _kind_name(event.target_type)
    context = {"page": page, "kinds": kinds, "kind": kind}
    return render(request, "helpdesk/audit_log.html", context)


def _kind_name(label: str) -> str:
    try:
        return capfirst(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def privacy_settings(request: HttpRequest) -> HttpResponse:
    """The tenant's personal-data retention period (PIPL / GDPR storage limitation)."""
    initial = {"personal_data_retention_days": request.tenant.personal_data_retention_days}
    form = PrivacySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        tenant_privacy_update(tenant=request.tenant, actor=request.membership, **form.cleaned_data)
        messages.success(request, _("Privacy settings saved."))
        return redirect("privacy_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "helpdesk/privacy_settings.html", {"form": form}, status=status)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/rate_limited.html", status=429)


def over_mail_limits(request: HttpRequest, *, bucket: str, email: str) -> bool:
    """Count one request that mails ``email``, against the client address's hourly budget and
    the e-mail address's; True when either is spent. Counted whether or not the address has an
    account, so the refusal says nothing about that."""
    per_address = getattr(settings, f"HELPDESK_{bucket.upper()}_RATE_PER_ADDRESS")
    per_email = getattr(settings, f"HELPDESK_{bucket.upper()}_RATE_PER_EMAIL")
    address = ratelimit.client_address(request)
    return ratelimit.over_limit(
        bucket=f"{bucket}-address", ident=address, limit=per_address
    ) or ratelimit.over_limit(
        bucket=f"{bucket}-email", ident=ratelimit.email_ident(email), limit=per_email
    )


class TenantPasswordResetView(auth_views.PasswordResetView):
    """Reset links are mailed within hourly limits per client address and per e-mail address,
    so the form cannot be used to flood a mailbox."""

    form_class = TenantPasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if over_mail_limits(self.request, bucket="password_reset", email=email):
            return too_many_requests(self.request)
        return super().form_valid(form)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.request.tenant}

    def dispatch(self, request, *args, **kwargs):
        if request.tenant is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)
