"""The customer's keys: follow links, one-time sign-in links and e-mail reply tokens.

All are signed with the project's secret key and name the tenant, so a link or token of one
tenant is worthless on another tenant's host, and none can be built from a ticket number.
"""

import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from helpdesk.models import Tenant

FOLLOW_SALT = "customers.portal.follow"
SIGN_IN_SALT = "customers.portal.sign-in"
REPLY_SALT = "customers.mail.reply"
REPLY_TOKEN_PATTERN = re.compile(r"(?P<number>\d{1,18})-(?P<mac>[0-9a-f]{20})", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """What a presented link says: the id it carries, or why it says nothing."""

    object_id: int | None = None
    expired: bool = False
    sign_in_count: int | None = None


def _payload(token: str, *, tenant: Tenant, salt: str, max_age_seconds: int) -> dict | None:
    """The link's data if it is genuine, fresh and for this tenant; raises SignatureExpired."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age_seconds)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != tenant.pk:
        return None
    return data


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- follow a ticket -----------------------------------------------------------------------------


def follow_token(*, tenant_id: int, ticket_id: int) -> str:
    return signing.dumps({"t": tenant_id, "k": ticket_id}, salt=FOLLOW_SALT)


def follow_token_read(token: str, *, tenant: Tenant) -> Verdict:
    max_age = settings.HELPDESK_PORTAL_LINK_MAX_AGE_DAYS * 86400
    try:
        data = _payload(token, tenant=tenant, salt=FOLLOW_SALT, max_age_seconds=max_age)
    except signing.SignatureExpired:
        return Verdict(expired=True)
    return Verdict(object_id=_int(data.get("k"))) if data else Verdict()


# --- one-time sign-in ----------------------------------------------------------------------------


def sign_in_token(*, tenant_id: int, customer_id: int, sign_in_count: int) -> str:
    """Carries the customer's sign-in counter: signing in bumps it, so the link works once."""
    payload = {"t": tenant_id, "c": customer_id, "n": sign_in_count}
    return signing.dumps(payload, salt=SIGN_IN_SALT)


def sign_in_token_read(token: str, *, tenant: Tenant) -> Verdict:
    max_age = settings.HELPDESK_PORTAL_SIGN_IN_MAX_AGE_MINUTES * 60
    try:
        data = _payload(token, tenant=tenant, salt=SIGN_IN_SALT, max_age_seconds=max_age)
    except signing.SignatureExpired:
        return Verdict(expired=True)
    if not data:
        return Verdict()
    return Verdict(object_id=_int(data.get("c")), sign_in_count=_int(data.get("n")))


# --- e-mail reply token --------------------------------------------------------------------------


def _reply_mac(tenant_id: int, number: int) -> str:
    return salted_hmac(REPLY_SALT, f"{tenant_id}:{number}", algorithm="sha256").hexdigest()[:20]


def reply_token(*, tenant_id: int, number: int) -> str:
    """``<number>-<20 hex>``: readable in a subject, lower-case so mail servers that fold the
    case of addresses (support+<token>@…) do not break it, and unforgeable without the key."""
    return f"{number}-{_reply_mac(tenant_id, number)}"


def reply_token_number(token: str, *, tenant_id: int) -> int | None:
    """The ticket number a reply token stands for in this tenant, or None if it is not ours."""
    match = REPLY_TOKEN_PATTERN.fullmatch(token.strip())
    if match is None:
        return None
    number = int(match["number"])
    expected = _reply_mac(tenant_id, number)
    return number if hmac.compare_digest(expected, match["mac"].lower()) else None
