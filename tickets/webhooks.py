"""Webhook payloads of ticket changes: ticket.created, ticket.updated, ticket.resolved.

Registered with ``helpdesk.webhooks`` when the app is ready; ``helpdesk.audit.audit_record``
calls ``ticket_webhooks`` for every audited change of a ticket.
"""

from helpdesk.webhooks import webhook_builder

TICKET_UPDATE_FIELDS = frozenset({"status", "priority", "assignee", "team", "category"})


def ticket_payload(ticket) -> dict:
    """The ticket as it is now, by ids only (no query)."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer_id": ticket.customer_id,
        "category_id": ticket.category_id,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
    }


@webhook_builder("tickets.ticket")
def ticket_webhooks(change):
    """Some services record the change before they set the field, so the snapshot takes the
    new value from the change itself."""
    ticket, field, new = change.target, change.field, change.new
    if change.action == "created":
        yield "ticket.created", ticket_payload(ticket)
        return
    if field not in TICKET_UPDATE_FIELDS:
        return
    snapshot = ticket_payload(ticket)
    if field == "assignee":
        snapshot["assignee_id"] = change.data.get("assignee")
    elif field in ("team", "category"):
        snapshot[f"{field}_id"] = getattr(new, "pk", None)
    else:
        snapshot[field] = str(new)
    payload = {
        "ticket": snapshot,
        "change": {"field": field, "old": _plain(change.old), "new": _plain(new)},
    }
    yield "ticket.updated", payload
    if field == "status" and new == "resolved":
        yield "ticket.resolved", payload


def _plain(value: object) -> object:
    return None if value in (None, "") else str(value)
