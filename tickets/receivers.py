"""Tickets' answers to ``customers.events``: what tickets hold about a person, exported,
erased and blanked here. Connected in ``TicketsConfig.ready``; every receiver runs inside the
sender's transaction and tenant scope, and keeps to tickets' own rows."""

from customers.events import (
    customer_anonymising,
    customer_data_erase,
    customer_data_export,
    customer_data_held,
)

from . import erasure
from . import privacy_export as sections


def export_tickets(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "tickets", sections.tickets_section(customer_ids)


def export_messages_elsewhere(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "messages_on_other_tickets", sections.messages_elsewhere_section(customer_ids)


def export_incident_updates(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "incident_updates", sections.incident_updates_section(customer_ids)


def erase_tickets(*, customer_ids: list[int], cause: str, actor, now, **_kwargs) -> int:
    return erasure.customer_tickets_erase(
        customer_ids=customer_ids, cause=cause, actor=actor, now=now
    )


def blank_person_rows(*, customer_ids: list[int], text: str, **_kwargs) -> None:
    erasure.person_rows_blank(customer_ids=customer_ids, text=text)


def tickets_held(*, customer_ids: list[int], **_kwargs) -> bool:
    return erasure.tickets_keep_personal_data(customer_ids=customer_ids)


def connect() -> None:
    # One receiver per export section; ``customers.privacy_export.SECTIONS`` fixes the order.
    for receiver in (export_tickets, export_messages_elsewhere, export_incident_updates):
        customer_data_export.connect(receiver, dispatch_uid=f"tickets.{receiver.__name__}")
    customer_data_erase.connect(erase_tickets, dispatch_uid="tickets.erase_tickets")
    customer_anonymising.connect(blank_person_rows, dispatch_uid="tickets.blank_person_rows")
    customer_data_held.connect(tickets_held, dispatch_uid="tickets.tickets_held")
