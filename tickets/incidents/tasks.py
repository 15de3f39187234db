"""Celery entry points of incidents: thin, idempotent, scoped through the task base class.

Registered with the worker through ``tickets.tasks`` (Celery autodiscovers ``tasks`` modules).
"""

from celery import shared_task
from django_scopes import scope

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_incident_update(*, tenant: Tenant, update_id: int) -> int:
    """Mail one incident update to its customers. Safe to run twice: rows are claimed."""
    from tickets.incidents.services import incident_update_send

    return incident_update_send(tenant=tenant, update_id=update_id)


@shared_task
def sweep_incidents() -> dict:
    """Beat, every minute: overdue first updates (escalated once) and owed update e-mails
    whose task never ran. Tenant by tenant, each in its own scope."""
    from tickets.incidents.services import incident_deliveries_catch_up, incidents_escalate_overdue

    totals = {"escalated": 0, "sent": 0}
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            totals["escalated"] += incidents_escalate_overdue(tenant=tenant)
            totals["sent"] += incident_deliveries_catch_up(tenant=tenant)
    return totals


@shared_task
def detect_surges() -> int:
    """Beat, every few minutes: record and announce complaint surges, once per hour window."""
    from tickets.incidents.surge import surges_detect

    found = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            found += len(surges_detect(tenant=tenant))
    return found
