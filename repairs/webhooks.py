"""Webhook payloads of the repairs app.

* ``quote.approved`` / ``quote.declined``: the decisions are audited on the ticket
  (``repairs.quotes``), so the builder listens to the ticket's audited changes and answers only
  to the quote actions. The payload is built only when a tenant subscribed (``webhook_emit``
  calls it lazily): one query then, none otherwise.
* ``stock.low``: when a decrease takes a part's total on hand to its low-stock threshold or
  below (``repairs.services`` records it on the part).

Registered with ``helpdesk.webhooks`` when the app is ready.
"""

from helpdesk.webhooks import webhook_builder
from repairs.models import Quote

EVENT_OF_ACTION = {"quote_approved": "quote.approved", "quote_declined": "quote.declined"}


def quote_payload(quote: Quote) -> dict:
    return {
        "quote": {
            "id": quote.pk,
            "status": quote.status,
            "currency": quote.currency,
            "parts_amount": str(quote.parts_amount),
            "labour_amount": str(quote.labour_amount),
            "callout_fee": str(quote.callout_fee),
            "covered_amount": str(quote.covered_amount),
            "total": str(quote.total),
            "created_at": quote.created_at,
            "decided_at": quote.decided_at,
            "decline_reason": quote.decline_reason,
        },
        "ticket_number": quote.ticket.number,
        "customer_id": quote.customer_id,
        "unit_id": quote.unit_id,
    }


@webhook_builder("tickets.ticket")
def quote_webhooks(change):
    event = EVENT_OF_ACTION.get(change.action)
    if event is None:
        return
    quote_id = change.data["quote"]
    yield event, lambda: quote_payload(Quote.objects.select_related("ticket").get(pk=quote_id))


def part_payload(part) -> dict:
    """The part as it is now, by ids only (no query)."""
    return {
        "id": part.pk,
        "part_number": part.part_number,
        "name": part.name,
        "low_stock_threshold": part.low_stock_threshold,
        "responsible_team_id": part.responsible_team_id,
    }


@webhook_builder("repairs.part")
def part_webhooks(change):
    if change.action == "stock_low":
        yield "stock.low", {"part": part_payload(change.target), "on_hand": change.data["on_hand"]}
