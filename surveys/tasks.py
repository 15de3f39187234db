"""Celery entry points of surveys: thin, idempotent, scoped through the task base class."""

from celery import shared_task
from django_scopes import scope

from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask

from . import services, sweeper


@shared_task
def sweep() -> dict[str, int]:
    """Beat, every ~60 s: overdue follow-ups escalate once, non-responders get one reminder."""
    return sweeper.sweep_due()


@shared_task(base=TenantTask, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_survey_email(*, tenant: Tenant, invitation_id: int, kind: str) -> bool:
    """The invitation or its reminder; claimed per kind, so a redelivery sends nothing twice."""
    return services.survey_email(tenant=tenant, invitation_id=invitation_id, kind=kind)


@shared_task
def catch_up_survey_emails() -> int:
    """Beat: survey e-mails whose own task was never queued or never ran."""
    sent = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        with scope(tenant=tenant):
            sent += services.survey_emails_catch_up(tenant=tenant)
    return sent
