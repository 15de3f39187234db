"""Field service's receivers of domain events (connected in ``config/events.py``)."""

from fieldservice import customer_notices, privacy_export, services, targets


def blank_ticket_rows(*, ticket_ids: list[int], now, **_kwargs) -> None:
    services.work_orders_personal_data_blank(ticket_ids=ticket_ids, now=now)


def target_on_created(*, work_order, **_kwargs) -> None:
    """Fix the new work order's promise (on site by, repair turnaround) and its first rungs."""
    targets.target_start(work_order=work_order)


def target_on_changed(*, work_order, **_kwargs) -> None:
    """A check-in or a shipment back keeps the promise; any change refreshes its colour."""
    targets.target_refresh(work_order=work_order)


def export_work_orders(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "work_orders", privacy_export.work_orders_section(customer_ids)


def notice_on_work_order_created(*, work_order, **_kwargs) -> None:
    customer_notices.notice_for_created(work_order=work_order)


def notice_on_work_order_changed(*, work_order, old, new, field="status", **_kwargs) -> None:
    customer_notices.notice_for_change(work_order=work_order, old=old, new=new, field=field)
