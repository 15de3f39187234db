"""Celery entry points of tickets: thin, idempotent, scoped through the task base class."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from tickets import services


@shared_task(base=TenantTask)
def close_resolved_tickets(*, tenant: Tenant) -> int:
    return services.tickets_close_resolved(tenant=tenant)


@shared_task
def sweep_resolved_tickets() -> None:
    """Beat entry: one auto-close task per tenant that has resolved tickets waiting."""
    for tenant_id in Tenant.objects.filter(is_active=True).values_list("pk", flat=True):
        close_resolved_tickets.delay(tenant_id=tenant_id)


# Incident tasks live in their own module; importing it here registers them with the worker.
from tickets.incidents.tasks import detect_surges, send_incident_update, sweep_incidents  # noqa: E402, F401
