"""Celery entry points of the SLA engine."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask

from . import services, sweeper


@shared_task
def sweep() -> int:
    """Beat, every ~15 s. Idempotent: what it records is unique, what it claims is locked."""
    return sweeper.sweep_due()


@shared_task(base=TenantTask)
def recompute_open_tickets(*, tenant: Tenant) -> int:
    """After a policy or calendar change: refresh every active ticket of the tenant."""
    return services.sla_recompute_open(tenant=tenant)
