"""The automations' receivers of domain events (connected in ``config/events.py``): each runs
the tenant's triggers of the matching trigger event."""

from automations.defaults import seed_default_triggers
from automations.engine import has_triggers, run_triggers
from automations.models import TriggerEvent as E
from helpdesk.platform.enqueue import enqueue_on_commit

SLA_EVENTS = {"warning": E.SLA_WARNING, "breach": E.SLA_BREACH}


def triggers_on_tenant_seeding(*, tenant, **_kwargs) -> None:
    seed_default_triggers(tenant)


def on_ticket_created(*, ticket, **_kwargs) -> None:
    run_triggers(event=E.TICKET_CREATED, ticket=ticket)


def on_ticket_changed(*, ticket, **_kwargs) -> None:
    """A property (priority, category, team, tags, assignee) or the status changed."""
    run_triggers(event=E.TICKET_UPDATED, ticket=ticket)


def on_customer_replied(*, ticket, message, **_kwargs) -> None:
    run_triggers(event=E.MESSAGE_CUSTOMER, ticket=ticket, message=message)


def on_agent_replied(*, ticket, message, **_kwargs) -> None:
    run_triggers(event=E.MESSAGE_AGENT, ticket=ticket, message=message)


def on_work_order_created(*, work_order, **_kwargs) -> None:
    run_triggers(event=E.WORK_ORDER_CREATED, ticket=work_order.ticket)


def on_work_order_changed(*, work_order, **_kwargs) -> None:
    run_triggers(event=E.WORK_ORDER_CHANGED, ticket=work_order.ticket)


def on_survey_answered(*, ticket, **_kwargs) -> None:
    run_triggers(event=E.SURVEY_ANSWERED, ticket=ticket)


def on_follow_up_overdue(*, ticket, **_kwargs) -> None:
    """A follow-up was escalated as overdue inside the surveys' sweep batch: its triggers run
    after that commits, in a task of their own, as an SLA checkpoint's do."""
    if has_triggers(E.FOLLOW_UP_OVERDUE, ticket.tenant_id):
        enqueue_on_commit(
            "automations.tasks.run_event",
            tenant_id=ticket.tenant_id,
            ticket_id=ticket.pk,
            event=E.FOLLOW_UP_OVERDUE,
        )


def on_sla_checkpoint(*, ticket, level, **_kwargs) -> None:
    """An SLA warning or breach: the tenant's triggers run after the sweep commits, in a task
    of their own, so their changes never meet the sweep batch's unsaved rows."""
    event = SLA_EVENTS.get(level)
    if event is not None and has_triggers(event, ticket.tenant_id):
        enqueue_on_commit(
            "automations.tasks.run_event",
            tenant_id=ticket.tenant_id,
            ticket_id=ticket.pk,
            event=event,
        )
