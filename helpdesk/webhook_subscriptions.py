"""A tenant admin's webhook subscriptions: create, enable or disable, rotate the secret, delete;
each audited (never with a secret in the row).

The delivery machinery (outbox, signing, retries) is ``helpdesk.webhooks``; the audit trail
(``helpdesk.audit``) emits through it, so these writes stand above both.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpdesk.audit import audit_delete, audit_record
from helpdesk.models import Tenant, WebhookSubscription
from helpdesk.webhooks import new_secret, validate_events, webhook_url_addresses


@transaction.atomic
def webhook_subscription_create(
    *, tenant: Tenant, url: str, events: list[str], description: str = "", actor=None
) -> WebhookSubscription:
    """A new active subscription with a fresh secret (shown to the admin once; never audited)."""
    webhook_url_addresses(url)
    subscription = WebhookSubscription.objects.create(
        tenant=tenant,
        url=url,
        events=validate_events(events),
        description=description,
        secret=new_secret(),
    )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="created",
        target=subscription,
        new=url,
        data={"events": subscription.events, "description": description},
    )
    return subscription


@transaction.atomic
def webhook_subscription_set_active(
    *, subscription: WebhookSubscription, active: bool, actor=None
) -> WebhookSubscription:
    """Enable (the failure count starts again) or disable a subscription."""
    was_active = subscription.is_active
    subscription.is_active = active
    subscription.disabled_at = None if active else timezone.now()
    if active:
        subscription.failure_count = 0
    subscription.save(update_fields=["is_active", "disabled_at", "failure_count"])
    audit_record(
        tenant=subscription.tenant_id,
        actor=actor,
        action="enabled" if active else "disabled",
        target=subscription,
        field="is_active",
        old=was_active,
        new=active,
    )
    return subscription


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor=None, now: datetime | None = None
) -> str:
    """Give the subscription a new secret and return it (shown to the admin once).

    Deliveries keep a second signature made with the replaced secret for
    ``HELPDESK_WEBHOOK_SECRET_GRACE_HOURS``, so the receiver can switch to the new secret
    without refusing any. Rotating again within that period replaces the previous secret: only
    the one just replaced is still honoured. The audit row says when, and by whom; no secret.
    """
    now = now or timezone.now()
    grace = timedelta(hours=settings.HELPDESK_WEBHOOK_SECRET_GRACE_HOURS)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = now + grace
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    audit_record(
        tenant=subscription.tenant_id,
        actor=actor,
        action="changed",
        target=subscription,
        field="secret",
        data={"previous_secret_expires_at": subscription.previous_secret_expires_at.isoformat()},
    )
    return subscription.secret


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor=None) -> None:
    """Delete it and its delivery log; deliveries not yet sent are dropped."""
    audit_delete(tenant=subscription.tenant_id, actor=actor, instance=subscription)
