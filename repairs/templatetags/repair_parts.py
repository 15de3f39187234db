"""``{% ticket_parts_panel ticket %}``: the ticket's part movements with cost and price, and the
form that reserves, consumes, releases or returns a part for it."""

from django import template

from repairs.forms import TicketPartForm
from repairs.selectors import ticket_parts_panel as panel_for_ticket

register = template.Library()


@register.inclusion_tag("repairs/_ticket_parts_panel.html", takes_context=True)
def ticket_parts_panel(context, ticket) -> dict:
    """Three queries whatever the ticket's history: its movements (with part and location),
    and the parts and locations of the form's choices."""
    return {
        "ticket": ticket,
        "panel": panel_for_ticket(ticket=ticket),
        "form": TicketPartForm(auto_id="id_parts_%s"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
