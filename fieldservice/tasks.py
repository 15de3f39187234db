"""Celery entry points of field service: thin, idempotent, scoped through the task base class."""

from celery import shared_task
from django_scopes import scope

from fieldservice.customer_notices import notice_send, notices_catch_up, visit_reminders_send
from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_work_order_notice(*, tenant: Tenant, notice_id: int) -> bool:
    return notice_send(tenant=tenant, notice_id=notice_id)


@shared_task
def catch_up_work_order_notices() -> int:
    """Beat: send the customer notices whose own task was never queued or never ran."""
    return _each_tenant(notices_catch_up)


@shared_task
def send_visit_reminders() -> int:
    """Beat: remind each customer of tomorrow's visit once (per appointment window)."""
    return _each_tenant(visit_reminders_send)


def _each_tenant(work) -> int:
    done = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            done += work(tenant=tenant)
    return done
