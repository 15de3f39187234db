"""Celery entry points of reports: thin, idempotent, scoped through the task base class."""

from celery import shared_task

from helpdesk.models import Tenant
from helpdesk.platform.enqueue import enqueue_now
from helpdesk.tasks import TenantTask

from . import rollup


@shared_task
def refresh_all_rollups() -> int:
    """Beat, every few minutes: one refresh task per active tenant."""
    queued = 0
    for tenant_id in Tenant.objects.filter(is_active=True).values_list("pk", flat=True):
        queued += enqueue_now(refresh_rollups.name, tenant_id=tenant_id)
    return queued


@shared_task(base=TenantTask, acks_late=True)
def refresh_rollups(*, tenant: Tenant, full: bool = False) -> int:
    """Figures and daily rollups of one tenant; a second run at once waits on the row lock."""
    return rollup.rollup_refresh(tenant=tenant, full=full).tickets
