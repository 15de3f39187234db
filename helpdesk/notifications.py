"""In-app notifications, each also e-mailed once by a Celery task after the commit (and by
the catch-up sweep when that task was lost; ``helpdesk.platform.outbox`` says what "once" means)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from helpdesk.models import Membership, Notification, Tenant
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.tenancy import tenant_url

logger = logging.getLogger(__name__)

NOTIFICATION_EMAIL_TASK = "helpdesk.tasks.send_notification_email"


def notify(*, recipient: Membership, text: str, url: str = "") -> Notification:
    """Precondition: the recipient's tenant scope is active."""
    notification = Notification.objects.create(
        tenant_id=recipient.tenant_id, recipient=recipient, text=text[:500], url=url
    )
    enqueue_on_commit(
        NOTIFICATION_EMAIL_TASK, tenant_id=recipient.tenant_id, notification_id=notification.pk
    )
    return notification


def notify_many(items: list[tuple[Membership, str, str]]) -> list[Notification]:
    """``notify`` for many (recipient, text, url) at once: one INSERT, then one e-mail task per
    notification after the commit. Every recipient carries its tenant id (a sweep batch spans
    tenants: call it with scopes disabled)."""
    if not items:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(tenant_id=recipient.tenant_id, recipient=recipient, text=text[:500], url=url)
        for recipient, text, url in items
    )
    for notification in notifications:
        enqueue_on_commit(
            NOTIFICATION_EMAIL_TASK,
            tenant_id=notification.tenant_id,
            notification_id=notification.pk,
        )
    return notifications


def notification_emails_catch_up(*, tenant: Tenant, older_than_seconds: int = 60) -> int:
    """Mail notifications whose task never ran (broker down, worker lost). Each is claimed by
    ``notification_email`` itself, so racing the regular task sends nothing twice."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = Notification.objects.filter(emailed_at__isnull=True, created_at__lte=cutoff)
    sent = 0
    for pk in pending.order_by("pk").values_list("pk", flat=True)[:500]:
        sent += notification_email(tenant=tenant, notification_id=pk)
    return sent


def notification_email(*, tenant: Tenant, notification_id: int) -> bool:
    """Mail the notification once; False if it was mailed already. Claim, send and mark are
    one transaction (``helpdesk.platform.outbox``): a worker killed before the send leaves it owed
    to
    the catch-up, never lost. Precondition: the tenant's scope is active, no transaction open.
    """
    owed = Notification.objects.select_related("recipient__user")
    try:
        return email_send_once(
            owed,
            pk=notification_id,
            field="emailed_at",
            build=lambda notification: _notification_message(tenant, notification),
        )
    except OSError:
        logger.warning("notification %s: e-mail failed, will retry", notification_id, exc_info=True)
        raise


def _notification_message(tenant: Tenant, notification: Notification) -> EmailMessage:
    link = tenant_url(tenant, notification.url) if notification.url.startswith("/") else ""
    return EmailMessage(
        subject=notification.text[:120],
        body=f"{notification.text}\n\n{link}".strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.user.email],
        headers={
            "Message-ID": stable_message_id(kind="notification", pk=notification.pk, tenant=tenant)
        },
    )
