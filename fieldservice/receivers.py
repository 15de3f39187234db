"""Field service's receivers of other apps' domain events (connected in ``config/events.py``)."""

from fieldservice import privacy_export, services


def blank_ticket_rows(*, ticket_ids: list[int], now, **_kwargs) -> None:
    services.work_orders_personal_data_blank(ticket_ids=ticket_ids, now=now)


def export_work_orders(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "work_orders", privacy_export.work_orders_section(customer_ids)
