"""Incident notices for the agent banner, the customer portal and the web-form confirmation."""

from django import template

from tickets.incidents.services import (
    incident_suggested_for_ticket,
    incidents_public_now,
    open_incidents_for_queue,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def open_incidents(context) -> list:
    """The workspace banner: the five most recently opened incidents (drills too, marked), for
    members only; read with the queue's list below, once per request."""
    if not context.get("membership"):
        return []
    newest = sorted(_open_incidents(context), key=lambda i: (i.opened_at, i.pk), reverse=True)
    return newest[:5]


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
    return _open_incidents(context)


def _open_incidents(context) -> list:
    """``open_incidents_for_queue()``, read once per request however many tags ask."""
    request = context.get("request")
    incidents = getattr(request, "_open_incidents", None)
    if incidents is None:
        incidents = open_incidents_for_queue()
        if request is not None:
            request._open_incidents = incidents
    return incidents


@register.simple_tag
def incident_suggestion(ticket):
    """The open incident a web-form request looks related to (by its keywords), or None."""
    if ticket is None:
        return None
    return incident_suggested_for_ticket(ticket=ticket)
