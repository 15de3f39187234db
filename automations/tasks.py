"""Celery entry points of the automations."""

from celery import shared_task

from automations import sweep as automation_sweep
from automations.engine import run_triggers
from helpdesk.models import Tenant
from helpdesk.tasks import TenantTask
from tickets.models import Ticket


@shared_task
def sweep() -> int:
    """Beat, every five minutes (``HELPDESK_AUTOMATION_SWEEP_SECONDS``). Idempotent: each
    firing is a unique row, so a sweep that overlaps another fires nothing twice."""
    return automation_sweep.sweep()


@shared_task(base=TenantTask)
def run_event(*, tenant: Tenant, ticket_id: int, event: str) -> int:
    """Run the triggers of an event that happened inside a sweep (an SLA warning or breach,
    an overdue follow-up).
    A task redelivered after its worker died mid-run runs them again: the actions that set a
    state (status, priority, team, tags) end as once, a note or notice would be repeated."""
    ticket = Ticket.objects.filter(pk=ticket_id).select_related("customer__tier").first()
    if ticket is None:
        return 0
    return run_triggers(event=event, ticket=ticket)
