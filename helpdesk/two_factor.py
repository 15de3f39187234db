"""Second factor: who needs one, enrolment, verification and recovery codes (django-otp).

A member's authenticator (``Authenticator``) and recovery codes (``StaticDevice``) belong to the
user, not to a tenant: one phone serves every service desk the person works in. Whether a
tenant *demands* it is the tenant's choice (``Tenant.two_factor_required_for``); a user who
has enrolled is asked for a code everywhere, so enrolling never makes an account weaker.

Secrets at rest: the authenticator's seed is encrypted (``Authenticator.secret``), and a
recovery code is stored only as a keyed hash (``recovery_code_stored``), so a copy of the
database yields neither codes nor the means to make them.

Replays: ``Authenticator.verify_token`` refuses a code whose time step is not after the last one
accepted (``last_t``), so a code seen over a shoulder is useless once used. Recovery codes are
deleted as they are used. Guessing is bounded twice: django-otp's own exponential back-off on
the device (not reset by signing in again), and django-axes, which counts a wrong code as a
failed sign-in for the e-mail and address.
"""

import secrets
from base64 import b32encode
from io import BytesIO

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from helpdesk.audit import audit_record
from helpdesk.models import Authenticator, Membership, Role, Tenant, TwoFactorPolicy, User

ROLES_REQUIRED = {
    TwoFactorPolicy.NOBODY: frozenset(),
    TwoFactorPolicy.ADMINS: frozenset({Role.ADMIN}),
    TwoFactorPolicy.MANAGERS: frozenset({Role.ADMIN, Role.MANAGER}),
    TwoFactorPolicy.EVERYONE: frozenset(Role.values),
}
# Marks a session whose sign-in came from an identity provider that the tenant trusts to have
# asked for a second factor itself (helpdesk.oidc); the value is the tenant's id.
SSO_MFA_SESSION_KEY = "helpdesk_sso_mfa_tenant"
# Whether the signed-in user has an authenticator, remembered for the session: the gate asks on
# every request, and most members of most tenants have none. Enrolling or turning it off in
# this session updates it; a change made in another session counts from the next sign-in.
ENROLLED_SESSION_KEY = "helpdesk_2fa_enrolled"
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


# --- reads ---------------------------------------------------------------------------------------


def two_factor_required_by_tenant(*, tenant: Tenant, membership: Membership) -> bool:
    return membership.role in ROLES_REQUIRED[TwoFactorPolicy(tenant.two_factor_required_for)]


def two_factor_enrolled(*, user: User) -> bool:
    return user_has_device(user, confirmed=True)


def two_factor_needed(*, request: HttpRequest, membership: Membership) -> bool:
    """Whether this session must still pass a second factor before entering the tenant."""
    if request.user.is_verified():
        return False
    if request.session.get(SSO_MFA_SESSION_KEY) == membership.tenant_id:
        return False
    required = two_factor_required_by_tenant(tenant=request.tenant, membership=membership)
    return required or _enrolled_in_session(request)


def two_factor_remember_enrolment(sender, *, request: HttpRequest, user: User, **kwargs) -> None:
    """On ``user_logged_in``: note in the new session whether the user has an authenticator,
    so the gate's pages pay for the lookup once per sign-in, not on every request."""
    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_SESSION_KEY] = two_factor_enrolled(user=user)


def _enrolled_in_session(request: HttpRequest) -> bool:
    """Sessions opened before the sign-in hook existed learn it on their first request."""
    enrolled = request.session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:
        enrolled = request.session[ENROLLED_SESSION_KEY] = two_factor_enrolled(user=request.user)
    return enrolled


def totp_device_pending(*, user: User) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_qr_svg(device: Authenticator) -> str:
    """The provisioning URI as an inline SVG, drawn here: the secret never leaves the server
    for a third-party QR service."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: it is embedded in HTML


def totp_secret_text(device: Authenticator) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- writes --------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_enrol_start(*, user: User) -> Authenticator:
    """A fresh, unconfirmed authenticator; it counts for nothing until a first code confirms it."""
    Authenticator.objects.filter(user=user, confirmed=False).delete()
    return Authenticator.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def two_factor_enrol_confirm(
    *, request: HttpRequest, membership: Membership, token: str
) -> list[str] | None:
    """Confirm the pending authenticator with its first code; return the new recovery codes
    (shown once) or None for a wrong code. The session counts as verified from here on."""
    user = membership.user
    device = totp_device_pending(user=user)
    if device is None or not device.verify_token(_digits(token)):
        return None
    Authenticator.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    audit_record(
        tenant=membership.tenant_id, actor=membership, action="2fa_enabled", target=membership
    )
    return codes


@transaction.atomic
def tenant_two_factor_update(*, tenant: Tenant, actor: Membership, required_for: str) -> Tenant:
    """Who must use a second factor in ``tenant``. Members it newly covers are asked to enrol
    on their next request, not signed out."""
    old = tenant.two_factor_required_for
    if old != required_for:
        tenant.two_factor_required_for = TwoFactorPolicy(required_for)
        tenant.save(update_fields=["two_factor_required_for"])
        audit_record(
            tenant=tenant,
            actor=actor,
            action="changed",
            target=tenant,
            field="two_factor_required_for",
            old=old,
            new=required_for,
        )
    return tenant


@transaction.atomic
def two_factor_recovery_codes_regenerate(*, membership: Membership) -> list[str]:
    codes = _recovery_codes_replace(membership.user)
    audit_record(
        tenant=membership.tenant_id,
        actor=membership,
        action="2fa_recovery_codes_replaced",
        target=membership,
    )
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(settings.HELPDESK_RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_stored(code)) for code in codes
    )
    return codes


RECOVERY_HASH_SALT = "helpdesk.two_factor.recovery_code"


def recovery_code_stored(code: str, secret: str | None = None) -> str:
    """What is kept of a recovery code: 16 hex digits (64 bits) of an HMAC keyed with the
    site's secret key. A code has about 50 bits of entropy, so without the key a stolen table
    cannot be searched; django-otp's token column holds 16 characters."""
    digest = salted_hmac(RECOVERY_HASH_SALT, code, secret=secret, algorithm="sha256")
    return digest.hexdigest()[:16]


def _stored_forms(code: str) -> list[str]:
    """The stored form under the current key and under each retired one, so rotating
    ``SECRET_KEY`` (with ``SECRET_KEY_FALLBACKS``) leaves recovery codes working."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [recovery_code_stored(code, secret) for secret in secrets_]


def _match(user: User, token: str) -> Device | None:
    """The user's confirmed device that accepts ``token``: six or eight digits go to the
    authenticator, anything else is taken for a recovery code. Only the device the code is
    meant for is tried, so a wrong code costs one throttle step, not one per device."""
    if token.isdigit() and len(token) in (6, 8):
        for device in Authenticator.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
        return None
    forms = _stored_forms(token)
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        stored = device.token_set.filter(token__in=forms).values_list("token", flat=True)
        if device.verify_token(stored.first() or forms[0]):
            return device
    return None


def _recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(10))


def two_factor_verify(*, request: HttpRequest, membership: Membership, token: str) -> bool:
    """Check a code (authenticator or recovery code) for the signed-in member and mark the
    session verified. A wrong code is a failed sign-in for django-axes and an audit row."""
    user = membership.user
    device = _match(user, _normalise(token))
    if device is None:
        _failure(request, membership)
        return False
    otp_login(request, device)
    recovery = isinstance(device, StaticDevice)
    audit_record(
        tenant=membership.tenant_id,
        actor=membership,
        action="2fa_recovery_code_used" if recovery else "2fa_verified",
        target=membership,
        data={"recovery_codes_left": recovery_codes_left(user=user)} if recovery else None,
    )
    return True


def two_factor_locked_out(*, request: HttpRequest, user: User) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": user.email})


def _failure(request: HttpRequest, membership: Membership) -> None:
    # The signal is what django-axes listens to for password failures; the same credentials
    # key (the e-mail) makes wrong codes and wrong passwords count towards one lockout.
    user_login_failed.send(
        sender=__name__, credentials={"username": membership.user.email}, request=request
    )
    audit_record(
        tenant=membership.tenant_id, actor=membership, action="2fa_failed", target=membership
    )


@transaction.atomic
def two_factor_disable(
    *, request: HttpRequest, membership: Membership, password: str, token: str
) -> bool:
    """Remove the authenticator and recovery codes; needs the password and a current code."""
    user = membership.user
    if not user.check_password(password) or _match(user, _normalise(token)) is None:
        _failure(request, membership)
        return False
    Authenticator.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session[ENROLLED_SESSION_KEY] = False
    audit_record(
        tenant=membership.tenant_id, actor=membership, action="2fa_disabled", target=membership
    )
    return True


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())


def _normalise(token: str) -> str:
    """Spaces and dashes are how people copy codes; recovery codes are lower-case."""
    return "".join(ch for ch in token.strip().lower() if ch not in " -")
