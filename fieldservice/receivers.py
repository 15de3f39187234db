"""Field service's receivers of domain events (connected in ``config/events.py``)."""

from fieldservice import customer_notices, services


def blank_ticket_rows(*, ticket_ids: list[int], now, **_kwargs) -> None:
    services.work_orders_personal_data_blank(ticket_ids=ticket_ids, now=now)


def notice_on_work_order_created(*, work_order, **_kwargs) -> None:
    customer_notices.notice_for_created(work_order=work_order)


def notice_on_work_order_changed(*, work_order, old, new, field="status", **_kwargs) -> None:
    customer_notices.notice_for_change(work_order=work_order, old=old, new=new, field=field)
