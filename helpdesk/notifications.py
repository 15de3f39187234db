"""In-app notifications, each also e-mailed once by a Celery task after the commit."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Membership, Notification, Tenant
from .tenancy import tenant_url

logger = logging.getLogger(__name__)


def notify(*, recipient: Membership, text: str, url: str = "") -> Notification:
    """Precondition: the recipient's tenant scope is active."""
    notification = Notification.objects.create(
        tenant_id=recipient.tenant_id, recipient=recipient, text=text[:500], url=url
    )
    from .tasks import send_notification_email

    transaction.on_commit(
        lambda: send_notification_email.delay(
            tenant_id=recipient.tenant_id, notification_id=notification.pk
        )
    )
    return notification


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
