"""Webhook payloads of SLA checkpoints: sla.warning and sla.breach.

Registered with ``helpdesk.webhooks`` when the app is ready; called for the ``sla_warning``
and ``sla_breach`` audit rows ``sla.services`` records on a ticket.
"""

from datetime import datetime

from helpdesk.webhooks import webhook_builder
from tickets.webhooks import ticket_payload

EVENTS_BY_ACTION = {"sla_warning": "sla.warning", "sla_breach": "sla.breach"}


@webhook_builder("tickets.ticket")
def sla_webhooks(change):
    event = EVENTS_BY_ACTION.get(change.action)
    if event is None:
        return
    yield (
        event,
        {
            "ticket": ticket_payload(change.target),
            "target": change.field,
            "cycle": change.data["cycle"],
            "due_at": datetime.fromisoformat(change.data["due_at"]),
        },
    )
