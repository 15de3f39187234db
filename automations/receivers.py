"""The automations' receivers of domain events (connected in ``config/events.py``): each runs
the tenant's triggers of the matching trigger event."""

from automations.engine import run_triggers
from automations.models import TriggerEvent as E


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
