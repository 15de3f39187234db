"""Celery entry points of tickets: thin, idempotent, scoped through the task base class."""

from celery import shared_task
from django_scopes import scope

from customers.models import MailboxSettings
from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from helpdesk.tenancy import across_tenants
from tickets import retention, services
from tickets.customer_emails import (
    customer_email_send,
    customer_emails_catch_up,
    sign_in_email_send,
)
from tickets.inbound_mail import mailbox_fetch


@shared_task(base=TenantTask)
def close_resolved_tickets(*, tenant: Tenant) -> int:
    return services.tickets_close_resolved(tenant=tenant)


@shared_task
def sweep_resolved_tickets() -> None:
    """Beat entry: one auto-close task per tenant that has resolved tickets waiting."""
    for tenant_id in Tenant.objects.filter(is_active=True).values_list("pk", flat=True):
        close_resolved_tickets.delay(tenant_id=tenant_id)


# --- e-mail with customers -----------------------------------------------------------------


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_customer_email(*, tenant: Tenant, email_id: int) -> bool:
    return customer_email_send(tenant=tenant, email_id=email_id)


@shared_task(base=TenantTask)
def fetch_mail(*, tenant: Tenant) -> int:
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
    return sign_in_email_send(tenant=tenant, customer_id=customer_id)


@shared_task
def catch_up_customer_emails() -> int:
    """Beat: send owed customer e-mails whose own task was never queued or never ran."""
    sent = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            sent += customer_emails_catch_up(tenant=tenant)
    return sent


# --- personal data retention -----------------------------------------------------------


@shared_task
def sweep_personal_data_retention() -> dict[str, int]:
    """Beat, hourly: erase closed tickets' personal data once their tenant's retention period
    is over, and anonymise customers left with nothing newer. Idempotent (tickets.retention)."""
    return retention.retention_sweep()


@shared_task(name="customers.tasks.sweep_personal_data_retention")
def sweep_personal_data_retention_under_old_name() -> dict[str, int]:
    """The same sweep under the name it had in customers: a beat of the previous release may
    have queued it (its messages live up to 30 minutes) and a worker drops names it does not
    know. Remove once no release that schedules the old name is running."""
    return retention.retention_sweep()


# Incident tasks live in their own module; importing it here registers them with the worker.
from tickets.incidents.tasks import detect_surges, send_incident_update, sweep_incidents  # noqa: E402, F401
