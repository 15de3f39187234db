"""In-app notifications, each also e-mailed once by a Celery task after the commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Membership, Notification, Tenant
from .queue import enqueue_on_commit
from .tenancy import tenant_url

logger = logging.getLogger(__name__)


def notify(*, recipient: Membership, text: str, url: str = "") -> Notification:
    """Precondition: the recipient's tenant scope is active."""
    notification = Notification.objects.create(
        tenant_id=recipient.tenant_id, recipient=recipient, text=text[:500], url=url
    )
    from .tasks import send_notification_email

    enqueue_on_commit(
        send_notification_email, tenant_id=recipient.tenant_id, notification_id=notification.pk
    )
    return notification


def notify_many(items: list[tuple[Membership, str, str]]) -> list[Notification]:
    """``notify`` for many (recipient, text, url) at once: one INSERT, then one e-mail task per
    notification after the commit. Every recipient carries its tenant id (a sweep batch spans
    tenants: call it with scopes disabled)."""
    if not items:
        return []
    from .tasks import send_notification_email

    notifications = Notification.objects.bulk_create(
        Notification(tenant_id=recipient.tenant_id, recipient=recipient, text=text[:500], url=url)
        for recipient, text, url in items
    )
    for notification in notifications:
        enqueue_on_commit(
            send_notification_email,
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
    """Claim the notification (conditional UPDATE) and mail it; False if already mailed.

    A worker that dies after the claim but before the send loses that one e-mail rather than
    sending it twice; the in-app notification is there either way.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient__user").get(pk=notification_id)
    link = tenant_url(tenant, notification.url) if notification.url.startswith("/") else ""
    try:
        send_mail(
            subject=notification.text[:120],
            message=f"{notification.text}\n\n{link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.user.email],
        )
    except OSError:
        logger.warning("notification %s: e-mail failed, will retry", notification_id, exc_info=True)
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True
