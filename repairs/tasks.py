"""Celery entry points of repairs: thin, idempotent, scoped through the task base class."""

from celery import shared_task
from django_scopes import scope

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from repairs.quote_emails import quote_email_send, quote_emails_catch_up


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_quote_email(*, tenant: Tenant, quote_id: int) -> bool:
    return quote_email_send(tenant=tenant, quote_id=quote_id)


@shared_task
def catch_up_quote_emails() -> int:
    """Beat: send the e-mails of waiting quotes whose own task was never queued or never ran."""
    sent = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            sent += quote_emails_catch_up(tenant=tenant)
    return sent
