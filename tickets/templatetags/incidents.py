"""Incident notices for the agent banner, the customer portal and the web-form confirmation."""

from django import template

from tickets.incidents import (
    incident_suggested_for_ticket,
    incidents_open,
    incidents_public_now,
    open_incidents_for_queue,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def open_incidents(context) -> list:
    """The workspace banner: open incidents (drills too, marked) for members only."""
    if not context.get("membership"):
        return []
    return list(incidents_open()[:5])


@register.simple_tag(takes_context=True)
def public_incidents(context) -> list:
    """The portal notice: open incidents that are not drills."""
    if not context.get("tenant"):
        return []
    return incidents_public_now()


@register.simple_tag(takes_context=True)
def linkable_incidents(context) -> list:
    """Open incidents for the queue's "link selected" action."""
    if not context.get("membership"):
        return []
    return open_incidents_for_queue()


@register.simple_tag
def incident_suggestion(ticket):
    """The open incident a web-form request looks related to (by its keywords), or None."""
    if ticket is None:
        return None
    return incident_suggested_for_ticket(ticket=ticket)
