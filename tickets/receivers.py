"""What tickets do when an event happens (wired in ``config/events.py``): e-mail the
ticket's customer about their request, take over a merged customer's tickets, and export,
erase and blank what tickets hold about a person. Every receiver runs inside the sender's
transaction and tenant scope, and keeps to tickets' own rows."""

from customers.models import Customer
from tickets import erasure
from tickets import privacy_export as sections
from tickets.customer_emails import customer_email_queue
from tickets.models import Message, Ticket


def email_on_created(*, ticket: Ticket, **event) -> None:
    customer_email_queue(ticket=ticket, kind="received")


def email_on_agent_replied(*, ticket: Ticket, message: Message, **event) -> None:
    customer_email_queue(ticket=ticket, kind="reply", message=message)


def email_on_resolved(*, ticket: Ticket, **event) -> None:
    customer_email_queue(ticket=ticket, kind="resolved")


def email_on_transferred(*, ticket: Ticket, message: Message | None, **event) -> None:
    """Only a transfer the customer was told about is mailed; its reason never is."""
    if message is not None:
        customer_email_queue(ticket=ticket, kind="transfer", message=message)


def tickets_follow_merged_customer(*, keep: Customer, duplicate: Customer, **event) -> dict:
    """The duplicate's tickets and the messages it wrote move to ``keep``."""
    moved = Ticket.objects.filter(customer=duplicate).update(customer=keep)
    Message.objects.filter(author_customer=duplicate).update(author_customer=keep)
    return {"tickets": moved}


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
