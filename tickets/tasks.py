"""Celery entry points of tickets: thin, idempotent, scoped through the task base class."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from tickets import retention, services


@shared_task(base=TenantTask)
def close_resolved_tickets(*, tenant: Tenant) -> int:
    return services.tickets_close_resolved(tenant=tenant)


@shared_task
def sweep_resolved_tickets() -> None:
    """Beat entry: one auto-close task per tenant that has resolved tickets waiting."""
    for tenant_id in Tenant.objects.filter(is_active=True).values_list("pk", flat=True):
        close_resolved_tickets.delay(tenant_id=tenant_id)


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
