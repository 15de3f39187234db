"""The desk's definition of a repeat complaint (seed 004): a complaint from a customer who
filed another within the tenant's window. The ``repeat_complaint`` condition of the triggers
and the repeat-complaint KPI both read it, so they count the same tickets."""

from datetime import timedelta

from tickets.models import Ticket

from .models import EscalationRules


def rules_for(tenant_id: int) -> EscalationRules:
    return EscalationRules.objects.get_or_create(tenant_id=tenant_id)[0]


def is_repeat_complaint(ticket: Ticket) -> bool:
    """Whether the ticket is a complaint and its customer filed another complaint within the
    window before it."""
    if not (ticket.category_id and ticket.category.is_complaint):
        return False
    since = ticket.created_at - timedelta(days=rules_for(ticket.tenant_id).repeat_complaint_days)
    return (
        Ticket.objects.filter(
            customer_id=ticket.customer_id, category__is_complaint=True, created_at__gte=since
        )
        .exclude(pk=ticket.pk)
        .exists()
    )
