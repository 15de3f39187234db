"""Webhook payloads of quote decisions: quote.approved, quote.declined.

The decisions are audited on the ticket (``repairs.quotes``), so the builder listens to the
ticket's audited changes and answers only to the quote actions. The payload is built only
when a tenant subscribed (``webhook_emit`` calls it lazily): one query then, none otherwise.
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
