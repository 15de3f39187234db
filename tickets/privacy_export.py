"""Tickets' sections of the customer data export (``customers.events.customer_data_export``).

Same rules as ``customers.privacy_export``: plain JSON values, every query filtered by the
person's rows (``ids``: the customer and the duplicates merged into them).
"""

from django.db.models import Prefetch

from customers.privacy_export import event_row, iso, name_of

from .models import Attachment, IncidentUpdateDelivery, Message, Ticket, TicketEvent


def tickets_section(ids: list[int]) -> list[dict]:
    messages = Message.objects.select_related("author_member__user", "author_customer")
    tickets = (
        Ticket.objects.filter(customer_id__in=ids)
        .select_related("category", "team", "assignee__user")
        .prefetch_related(
            "tags",
            Prefetch("messages", queryset=messages.order_by("created_at", "pk")),
            Prefetch("messages__attachments", queryset=Attachment.objects.order_by("pk")),
            Prefetch("events", queryset=TicketEvent.objects.order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    return [_ticket_row(ticket) for ticket in tickets]


def _ticket_row(ticket) -> dict:
    return {
        "number": ticket.number,
        "customer": ticket.customer_id,
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "category": name_of(ticket.category),
        "team": name_of(ticket.team),
        "assignee": name_of(ticket.assignee and ticket.assignee.user),
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        # The intake's own fields: what the product is and what the caller said.
        "product_model": ticket.product_model,
        "fault_symptom": ticket.fault_symptom,
        "caller": ticket.caller,
        "call_started_at": iso(ticket.call_started_at),
        "call_duration_seconds": ticket.call_duration_seconds,
        "expected_handled_by": iso(ticket.expected_handled_by),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_responded_at": iso(ticket.first_responded_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "reopened_count": ticket.reopened_count,
        "personal_data_erased_at": iso(ticket.personal_data_erased_at),
        "messages": [_message_row(message) for message in ticket.messages.all()],
        "history": [event_row(event) for event in ticket.events.all()],
    }


def _message_row(message) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "from_customer": message.author_customer_id is not None,
        "author": message.author_name,
        "is_system": message.is_system,
        "body": message.body,
        "created_at": iso(message.created_at),
        "attachments": [
            {
                "name": attachment.original_name,
                "size_bytes": attachment.size_bytes,
                "content_type": attachment.content_type,
                "created_at": iso(attachment.created_at),
            }
            for attachment in message.attachments.all()
        ],
    }


def messages_elsewhere_section(ids: list[int]) -> list[dict]:
    """What the customer wrote on a ticket that is not theirs (a merge moved the ticket)."""
    messages = (
        Message.objects.filter(author_customer_id__in=ids)
        .exclude(ticket__customer_id__in=ids)
        .select_related("ticket", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return [{"ticket": m.ticket.number, **_message_row(m)} for m in messages]


def incident_updates_section(ids: list[int]) -> list[dict]:
    deliveries = (
        IncidentUpdateDelivery.objects.filter(customer_id__in=ids)
        .select_related("update__incident")
        .order_by("created_at", "pk")
    )
    return [
        {
            "incident": delivery.update.incident.title,
            "update": delivery.update.body,
            "created_at": iso(delivery.created_at),
            "sent_at": iso(delivery.sent_at),
        }
        for delivery in deliveries
    ]
