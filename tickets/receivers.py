"""What tickets do when an event happens (wired in ``config/events.py``): e-mail the
ticket's customer about their request, and take over a merged customer's tickets."""

from customers.models import Customer
from tickets.customer_emails import customer_email_queue
from tickets.models import Message, Ticket


def email_on_created(*, ticket: Ticket, **event) -> None:
    customer_email_queue(ticket=ticket, kind="received")


def email_on_agent_replied(*, ticket: Ticket, message: Message, **event) -> None:
    customer_email_queue(ticket=ticket, kind="reply", message=message)


def email_on_resolved(*, ticket: Ticket, **event) -> None:
    customer_email_queue(ticket=ticket, kind="resolved")


def email_on_transferred(*, ticket: Ticket, message: Message, **event) -> None:
    customer_email_queue(ticket=ticket, kind="transfer", message=message)


def tickets_follow_merged_customer(*, keep: Customer, duplicate: Customer, **event) -> dict:
    """The duplicate's tickets and the messages it wrote move to ``keep``."""
    moved = Ticket.objects.filter(customer=duplicate).update(customer=keep)
    Message.objects.filter(author_customer=duplicate).update(author_customer=keep)
    return {"tickets": moved}
