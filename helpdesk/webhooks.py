"""Webhooks: signed POSTs of ticket, SLA and survey events to URLs a tenant admin subscribed.

Generic machinery only: the event names, subscriptions, the outbox, signing and delivery. The
payloads are built by the apps that know the data (``tickets.webhooks``, ``sla.webhooks``,
``surveys.webhooks``), registered with ``webhook_builder`` and called by
``helpdesk.audit.audit_record`` for each audited change.

An outbox. ``webhook_emit`` writes one ``WebhookDelivery`` row per matching active subscription
in the caller's transaction and queues ``deliver_webhook`` after the commit; the beat sweep
(``webhook_sweep``, every ~30 s) sends whatever is due, so a broker outage or a lost worker
delays a delivery but never loses it.

* **Claiming.** A sender claims a due row with a conditional UPDATE that moves
  ``next_attempt_at`` a lease (``CLAIM_LEASE``) into the future and counts the attempt; the
  sweep first selects due rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL. A second sender
  (the task and a sweep, or two sweeps) finds no due row and sends nothing. A sender that dies
  after the claim leaves the row to be retried when the lease runs out (at-least-once; the
  ``webhook-id`` lets the receiver drop a duplicate).
* **Retries.** Any answer other than 2xx, a timeout or a refused address is a failure; the
  next attempt waits 30 s, doubling each time up to 6 h (``retry_delay``), and a delivery still
  failing a day (``GIVE_UP_AFTER``) after it was created is given up.
* **Disabling.** A subscription whose ``DISABLE_AFTER_GIVE_UPS`` (3) deliveries in a row were
  given up is switched off (``disabled_at``); any success resets the count. An admin enables it
  again from the settings page.
* **Signing.** The Standard Webhooks headers (https://www.standardwebhooks.com):
  ``webhook-id`` (the delivery id, the same on every retry), ``webhook-timestamp`` (unix
  seconds of the attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256(key,
  "<id>.<timestamp>.<body>")>``, the key being the base64 after ``whsec_`` in the secret.
  During the grace period after a secret rotation the header carries a second signature, made
  with the previous secret. The receiver verifies with any Standard Webhooks library
  (docs/api.md). Deprecated, for one release: ``X-Helpdesk-Signature: t=<unix seconds>,
  v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``; plus ``X-Helpdesk-Event`` and
  ``X-Helpdesk-Delivery``.
* **Where it may call.** http or https only; unless ``HELPDESK_WEBHOOK_ALLOW_PRIVATE`` is on,
  every address the host resolves to must be public (``helpdesk.platform.public_addresses``:
  no loopback, private, link-local, reserved or multicast, also behind NAT64 or 6to4).
  Checked when subscribing and again before each attempt, and the
  connection goes to the address that was checked (no second lookup, so DNS rebinding cannot
  slip in between). Redirects are not followed.
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from helpdesk.models import DeliveryStatus, Tenant, WebhookDelivery, WebhookSubscription
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.pinned_http import pinned_connection
from helpdesk.platform.public_addresses import all_public, resolve
from helpdesk.tenancy import across_tenants

logger = logging.getLogger(__name__)

EVENTS = {
    "ticket.created": gettext_lazy("A ticket was created"),
    "ticket.updated": gettext_lazy("Status, priority, assignee, team or category changed"),
    "ticket.resolved": gettext_lazy("A ticket was resolved"),
    "sla.warning": gettext_lazy("An SLA target is about to be missed"),
    "sla.breach": gettext_lazy("An SLA target was missed"),
    "survey.answered": gettext_lazy("A customer answered a satisfaction survey"),
    "quote.approved": gettext_lazy("A customer approved a repair quote"),
    "quote.declined": gettext_lazy("A customer declined a repair quote"),
    "stock.low": gettext_lazy("A spare part's stock fell to its low-stock threshold"),
    "unit.registered": gettext_lazy("A unit was registered to a customer"),
    "work_order.scheduled": gettext_lazy("An on-site visit was given a technician and a window"),
    "work_order.completed": gettext_lazy("An on-site visit was completed"),
    "repair.stage_changed": gettext_lazy("A depot repair moved to another stage"),
    "trigger.fired": gettext_lazy("A trigger or automation asked to call the webhooks"),
}
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=1)
DISABLE_AFTER_GIVE_UPS = 3
CLAIM_LEASE = timedelta(minutes=5)
SWEEP_BATCH_SIZE = 100
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
MAX_ERROR_LENGTH = 500
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret  # nosec B105


# --- subscriptions ------------------------------------------------------------------------------


def webhook_url_addresses(url: str) -> tuple[SplitResult, list[str]]:
    """The URL's parts and the addresses its host resolves to; ``ValidationError`` on ``url``
    when it is not http(s), does not resolve, or (by default) reaches a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Use an http:// or https:// URL.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Do not put credentials in the URL.")})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(parts.hostname, port)
    except (ValueError, UnicodeError, OSError):
        raise ValidationError({"url": _("The host name of this URL does not resolve.")}) from None
    if not settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE and not all_public(addresses):
        raise ValidationError(
            {"url": _("This URL reaches a private or reserved address; use a public one.")}
        )
    return parts, addresses


def validate_events(events: list[str]) -> list[str]:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationError({"events": _("Choose one or more of the listed events.")})
    return chosen


# --- the outbox -----------------------------------------------------------------------------------


def webhook_emit(
    *, tenant: Tenant | int, event: str, payload: dict | Callable[[], dict]
) -> list[WebhookDelivery]:
    """Write one delivery per active subscription to ``event`` and queue them after commit.
    ``payload`` may be a callable: it is then built only when someone subscribed.

    Precondition: the tenant scope is active; call it inside the transaction of the change, so
    the event exists exactly when the change does. One query when nobody subscribed.
    """
    tenant_id = getattr(tenant, "pk", tenant)
    targets = [pk for pk, events in _active_subscriptions(tenant_id) if event in events]
    if not targets:
        return []
    if callable(payload):
        payload = payload()
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            tenant_id=tenant_id,
            subscription_id=pk,
            event=event,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for pk in targets
    )
    for delivery in deliveries:
        enqueue_on_commit(
            "helpdesk.tasks.deliver_webhook", tenant_id=tenant_id, delivery_id=delivery.pk
        )
    return deliveries


# A tenant's active subscriptions as (id, events), kept while a block reads them once.
_read_once: ContextVar[dict[int, list[tuple[int, list[str]]]] | None] = ContextVar(
    "webhook_subscriptions_read_once", default=None
)


@contextmanager
def webhook_subscriptions_read_once() -> Iterator[None]:
    """Within the block (or the decorated function) ``webhook_emit`` reads a tenant's active
    subscriptions once, not once per event: for a service that emits several events in one
    transaction (a new ticket is created, assigned, escalated). A subscription another
    transaction changes meanwhile is then seen by all of the block's events or by none, as if
    it had changed before or after the block."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def _active_subscriptions(tenant_id: int) -> list[tuple[int, list[str]]]:
    memo = _read_once.get()
    if memo is not None and tenant_id in memo:
        return memo[tenant_id]
    subscriptions = WebhookSubscription.objects.filter(tenant_id=tenant_id, is_active=True)
    rows = list(subscriptions.values_list("pk", "events"))
    if memo is not None:
        memo[tenant_id] = rows
    return rows


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Claim the delivery if it is due and make one attempt; False if it was not due (sent
    already, or another sender holds it). Precondition: the tenant scope is active."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return False
    _attempt(delivery_id, now)
    return True


def webhook_sweep(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Beat: attempt every due delivery of every tenant (one batch); returns how many."""
    now = now or timezone.now()
    claimed = _claim_due(now, batch_size)
    for tenant, delivery_id in claimed:
        with scope(tenant=tenant):
            _attempt(delivery_id, now)
    return len(claimed)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Conditional UPDATE: only one sender moves a due row into its lease."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status__in=DUE_STATUSES, next_attempt_at__lte=now
        ).update(next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    )


@transaction.atomic
def _claim_due(now: datetime, batch_size: int) -> list[tuple[Tenant, int]]:
    # Cross-tenant on purpose, like the SLA sweep: each claimed row is then sent inside its
    # own tenant's scope.
    with across_tenants():
        due = WebhookDelivery.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.order_by("next_attempt_at").values_list("pk", "tenant_id")[:batch_size])
        claimed = [(pk, tenant_id) for pk, tenant_id in rows if _claim(pk, now)]
    tenants = Tenant.objects.in_bulk({tenant_id for _pk, tenant_id in claimed})
    return [(tenants[tenant_id], pk) for pk, tenant_id in claimed]


def _attempt(delivery_id: int, now: datetime) -> None:
    """Send the claimed delivery once and record the outcome."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.subscription.is_active:
        _finish(delivery, DeliveryStatus.GAVE_UP, error=_("The webhook is disabled."))
        return
    status_code, error = _send(delivery)
    if status_code is not None and 200 <= status_code < 300:
        _finish(delivery, DeliveryStatus.SUCCEEDED, status_code=status_code, delivered_at=now)
        WebhookSubscription.objects.filter(pk=delivery.subscription_id, failure_count__gt=0).update(
            failure_count=0
        )
    elif now + retry_delay(delivery.attempts) > delivery.created_at + GIVE_UP_AFTER:
        _finish(delivery, DeliveryStatus.GAVE_UP, status_code=status_code, error=error)
        _count_give_up(delivery.subscription_id, now)
    else:
        _finish(
            delivery,
            DeliveryStatus.FAILED,
            status_code=status_code,
            error=error,
            next_attempt_at=now + retry_delay(delivery.attempts),
        )


def _finish(delivery: WebhookDelivery, status: str, **fields) -> None:
    values = {
        "status": status,
        "last_status_code": fields.get("status_code"),
        "last_error": (fields.get("error") or "")[:MAX_ERROR_LENGTH],
        "next_attempt_at": fields.get("next_attempt_at"),
        "delivered_at": fields.get("delivered_at"),
    }
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)


def _count_give_up(subscription_id: int, now: datetime) -> None:
    WebhookSubscription.objects.filter(pk=subscription_id).update(
        failure_count=F("failure_count") + 1
    )
    disabled = WebhookSubscription.objects.filter(
        pk=subscription_id, is_active=True, failure_count__gte=DISABLE_AFTER_GIVE_UPS
    ).update(is_active=False, disabled_at=now)
    if disabled:
        logger.warning("webhook %s disabled after repeated failures", subscription_id)


# --- sending --------------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The same bytes on every attempt: the receiver may compare retries."""
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    encoded = json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return encoded.encode()


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret: the decoded base64.

    Secrets made before the standard headers are ``whsec_`` and 48 hex digits. Hex digits are
    base64 characters and 48 is a multiple of 4, so those are already valid standard secrets
    (their key is the 36 bytes the text decodes to, as any Standard Webhooks library decodes
    it): the receivers keep the secret they hold, and nothing needs converting.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret and, in the grace period after a rotation, the previous one."""
    expires_at = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires_at is not None and now < expires_at:
        return [subscription.secret, subscription.previous_secret]
    return [subscription.secret]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Deprecated ``X-Helpdesk-Signature`` (dropped after one release in favour of the
    standard headers): ``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``,
    keyed with the secret's text as it is."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signed_headers(delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    """Headers of one attempt: a new timestamp each time, the same ``webhook-id``."""
    subscription = delivery.subscription
    timestamp = int(time.time())
    message_id = str(delivery.pk)
    signatures = [
        standard_signature(secret, message_id, timestamp, body)
        for secret in signing_secrets(subscription, timezone.now())
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        # Space-separated: a receiver accepts the delivery if any one signature matches.
        "webhook-signature": " ".join(signatures),
        "X-Helpdesk-Signature": signature(subscription.secret, timestamp, body),
    }


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST once; (status code or None, error text)."""
    subscription = delivery.subscription
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Helpdesk-Webhooks/1",
        "X-Helpdesk-Event": delivery.event,
        "X-Helpdesk-Delivery": str(delivery.pk),
        **signed_headers(delivery, body),
    }
    try:
        parts, addresses = webhook_url_addresses(subscription.url)
    except ValidationError as error:
        return None, " ".join(error.messages)
    try:
        timeout = settings.HELPDESK_WEBHOOK_TIMEOUT_SECONDS
        conn = pinned_connection(parts, addresses[0], timeout=timeout)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(65536)
            return response.status, "" if response.status < 300 else response.reason[:200]
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"


# --- builders: what each audited change sends ---------------------------------------------------

# A builder takes the change (``helpdesk.audit.AuditChange``) and yields (event name, payload);
# the payload may be a callable, built only when someone subscribed to the event.
WebhookBuilder = Callable[[Any], Iterable[tuple[str, dict | Callable[[], dict]]]]
_builders: dict[str, list[WebhookBuilder]] = {}


def webhook_builder(model_label: str) -> Callable[[WebhookBuilder], WebhookBuilder]:
    """Decorator: register ``builder`` for audited changes of ``model_label`` ("tickets.ticket")
    targets. The app that knows the data registers its builders when it is ready; every name
    a builder yields must be one of ``EVENTS``."""

    def register(builder: WebhookBuilder) -> WebhookBuilder:
        registered = _builders.setdefault(model_label.lower(), [])
        if builder not in registered:
            registered.append(builder)
        return builder

    return register


def webhooks_for_change(change) -> None:
    """Emit what the builders registered for the change's target model yield."""
    for builder in _builders.get(change.target._meta.label_lower, ()):
        for event, payload in builder(change):
            if event not in EVENTS:
                raise ValueError(f"{event} is not a webhook event.")
            webhook_emit(tenant=change.tenant_id, event=event, payload=payload)


# --- erasure -------------------------------------------------------------------------------------


def webhook_log_scrub(*, ticket_numbers: list[int], text: str) -> None:
    """The delivery log keeps copies of payloads: ticket events copied the subject, survey
    answers the comment. Erasing the tickets' personal data (``tickets.erasure``) replaces the
    subject by ``text`` and empties the comment wherever the payload is about those tickets.
    Precondition: in the erasing transaction, the tickets' tenant scope active."""
    about = (
        Q(payload__number__in=ticket_numbers)
        | Q(payload__ticket__number__in=ticket_numbers)
        | Q(payload__ticket_number__in=ticket_numbers)
    )
    for pk, payload in WebhookDelivery.objects.filter(about).values_list("pk", "payload"):
        WebhookDelivery.objects.filter(pk=pk).update(payload=_scrubbed(payload, text))


def _scrubbed(value: object, text: str) -> object:
    if not isinstance(value, dict):
        return value
    replaced = {"subject": text, "comment": ""}
    return {k: replaced.get(k, _scrubbed(v, text)) for k, v in value.items()}
