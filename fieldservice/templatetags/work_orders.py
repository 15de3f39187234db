"""``{% ticket_work_orders_panel ticket %}``: the ticket's visits and repairs on the agent's
ticket page; ``{% portal_work_orders ticket %}``: the same as the customer sees them on the
portal (a visit's window and technician, a repair's stages and tracking numbers);
``work_order|due_badge_class``: the CSS class of the promise's colour."""

from django import template

from fieldservice.customer_notices import technician_first_name
from fieldservice.models import WorkOrderKind, WorkOrderStatus
from fieldservice.selectors import portal_ticket_work_orders, ticket_work_orders
from fieldservice.timeline import work_order_timelines

register = template.Library()
COLOURS = ("green", "amber", "red")


@register.filter
def due_badge_class(work_order) -> str:
    return f"sla-{work_order.colour}" if work_order.colour in COLOURS else ""


@register.filter
def status_label(value: str) -> str:
    """A status as the reader's language names it (history rows store the code)."""
    return str(WorkOrderStatus(value).label) if value in WorkOrderStatus.values else value


@register.inclusion_tag("fieldservice/_ticket_work_orders_panel.html", takes_context=True)
def ticket_work_orders_panel(context, ticket) -> dict:
    request = context.get("request")
    member = getattr(request, "membership", None)
    work_orders = [] if member is None else ticket_work_orders(member=member, ticket=ticket)
    return {
        "ticket": ticket,
        "work_orders": work_orders,
        "kinds": WorkOrderKind,
        "request": request,
    }


@register.inclusion_tag("fieldservice/portal/_work_orders.html")
def portal_work_orders(ticket) -> dict:
    work_orders = portal_ticket_work_orders(ticket=ticket)
    timelines = work_order_timelines(work_orders)
    rows = [
        {
            "work_order": wo,
            "steps": timelines[wo.pk],
            "technician": technician_first_name(wo.technician),
        }
        for wo in work_orders
    ]
    return {"rows": rows}
