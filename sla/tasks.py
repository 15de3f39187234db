"""Celery entry points of the SLA engine."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.platform.enqueue import enqueue_now
from helpdesk.tasks import TenantTask

from . import services, sweeper


@shared_task
def sweep() -> int:
    """Beat, every ~15 s. Idempotent: what it records is unique, what it claims is locked.

    Fan-out: when its first batch is full (a backlog, say thousands due in one minute), it
    queues one more sweep, which claims other rows (SKIP LOCKED) in another worker process and
    fans out in turn while the backlog lasts. Each extra sweep follows a full batch of real
    work, so a backlog of N rows queues at most N / 200 of them.
    """
    return sweeper.sweep_due(on_backlog=lambda: enqueue_now(sweep.name))


@shared_task(base=TenantTask)
def recompute_open_tickets(*, tenant: Tenant) -> int:
    """After a policy or calendar change: refresh every active ticket of the tenant."""
    return services.sla_recompute_open(tenant=tenant)
