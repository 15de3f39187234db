"""Celery entry points of customers: thin, idempotent, scoped through the task base class."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from helpdesk.tenancy import across_tenants

from .models import MailboxSettings


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_customer_email(*, tenant: Tenant, email_id: int) -> bool:
    from .notifications import customer_email_send

    return customer_email_send(tenant=tenant, email_id=email_id)


@shared_task(base=TenantTask)
def fetch_mail(*, tenant: Tenant) -> int:
    from .inbound import mailbox_fetch

    return mailbox_fetch(tenant=tenant)


@shared_task
def fetch_all_mailboxes() -> None:
    """Beat entry: one fetch task per tenant with an active mailbox."""
    # Lists tenant ids only, across tenants on purpose: each task then opens its own scope.
    with across_tenants():
        tenant_ids = list(
            MailboxSettings.objects.filter(is_active=True, tenant__is_active=True).values_list(
                "tenant_id", flat=True
            )
        )
    for tenant_id in tenant_ids:
        fetch_mail.delay(tenant_id=tenant_id)


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=3)
def send_sign_in_email(*, tenant: Tenant, customer_id: int) -> bool:
    from .notifications import sign_in_email_send

    return sign_in_email_send(tenant=tenant, customer_id=customer_id)


@shared_task
def catch_up_customer_emails() -> int:
    """Beat: send owed customer e-mails whose own task was never queued or never ran."""
    from django_scopes import scope

    from .notifications import customer_emails_catch_up

    sent = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            sent += customer_emails_catch_up(tenant=tenant)
    return sent
