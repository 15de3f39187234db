"""Webhook payload of stock: ``stock.low``, when a decrease takes a part's total on hand to
its low-stock threshold or below (``repairs.services.stock_low_alert`` records it).

Registered with ``helpdesk.webhooks`` when the app is ready."""

from helpdesk.webhooks import webhook_builder


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
