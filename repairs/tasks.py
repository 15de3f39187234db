"""Celery entry points of repairs: thin, idempotent, scoped through the task base class."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from repairs.quote_emails import quote_email_send


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_quote_email(*, tenant: Tenant, quote_id: int) -> bool:
    return quote_email_send(tenant=tenant, quote_id=quote_id)
