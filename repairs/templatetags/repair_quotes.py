"""``{% ticket_quote_panel ticket %}``: the repair's cost, the entitlement it used and the quote
on the agent's ticket page; ``{% portal_quote_links ticket token %}``: the ticket's quotes on
the customer's portal page; ``line|quote_line_label``: a quote line in the active language."""

from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from repairs.quote_forms import QuoteSendForm
from repairs.quote_selectors import portal_ticket_quotes, quote_panel_for_ticket
from tickets.models import Status

register = template.Library()


@register.filter
def quote_line_label(line) -> str:
    """A part by its name (the Chinese one in Chinese when there is one); the other lines by
    their stored English text, translated."""
    if line.kind == "part":
        part = getattr(line, "part", None)
        if part is not None and part.name_zh and translation.get_language().startswith("zh"):
            return f"{part.part_number} {part.name_zh}"
        return line.description if part is None else f"{part.part_number} {part.name}"
    return _(line.description)


@register.inclusion_tag("repairs/_ticket_quote_panel.html", takes_context=True)
def ticket_quote_panel(context, ticket) -> dict:
    panel = quote_panel_for_ticket(ticket=ticket)
    can_send = not panel.waiting and ticket.status not in (Status.RESOLVED, Status.CLOSED)
    return {
        "ticket": ticket,
        "panel": panel,
        "form": QuoteSendForm(auto_id="id_quote_%s") if can_send else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("repairs/portal/_quote_links.html")
def portal_quote_links(ticket, token) -> dict:
    return {"quotes": portal_ticket_quotes(ticket=ticket), "token": token}
