"""The customer data export (``customers.selectors.customer_export``): its queries and its shape.

One function per kind of row, each returning plain JSON values. Every query is filtered by the
customer's rows (``people``: the customer and the duplicates merged into them), so nothing of
another customer comes along; the tenant scope keeps every other tenant out.
"""

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from .models import Customer, CustomerEmail, CustomerEvent, InboundEmail

FORMAT = "helpdesk.customer-export/1"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _name(value: object) -> str | None:
    return str(value) if value is not None else None


def export_document(customer: Customer, people: list[Customer]) -> dict:
    """Precondition: the tenant scope is active; ``people`` holds ``customer``."""
    ids = [person.pk for person in people]
    profiles = (
        Customer.objects.filter(pk__in=ids)
        .select_related("tier", "organization__tier", "account_manager__user")
        .prefetch_related("tags")
        .order_by("pk")
    )
    by_pk = {person.pk: _profile(person) for person in profiles}
    return {
        "format": FORMAT,
        "exported_at": _iso(timezone.now()),
        "customer": by_pk.pop(customer.pk),
        "merged_duplicates": list(by_pk.values()),
        "history": _events(ids),
        "tickets": _tickets(ids),
        "messages_on_other_tickets": _messages_elsewhere(ids),
        "surveys": _surveys(ids),
        "follow_ups": _follow_ups(ids),
        "emails": _emails(ids),
        "incident_updates": _incident_updates(ids),
        "inbound_emails": _inbound_emails(ids),
    }


# --- the customer --------------------------------------------------------------------------------


def _profile(person: Customer) -> dict:
    organization = person.organization
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
        "key_info": person.key_info,
        "notes": person.notes,
        "tags": sorted(tag.name for tag in person.tags.all()),
        "tier": _name(person.tier),
        "organization": None
        if organization is None
        else {"id": organization.pk, "name": organization.name, "tier": _name(organization.tier)},
        "account_manager": _name(person.account_manager and person.account_manager.user),
        "merged_into": person.merged_into_id,
        "portal_sign_ins": person.portal_sign_in_count,
        "created_at": _iso(person.created_at),
        "anonymised_at": _iso(person.anonymised_at),
    }


def _event_row(event) -> dict:
    return {
        "action": event.action,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "data": event.data,
        "by": event.actor_label,
        "at": _iso(event.created_at),
    }


def _events(ids: list[int]) -> list[dict]:
    """The customer's audit trail: tier history, profile changes, merges, anonymisation."""
    events = CustomerEvent.objects.filter(customer_id__in=ids).order_by("created_at", "pk")
    return [{"customer": event.customer_id, **_event_row(event)} for event in events]


# --- tickets and their threads -------------------------------------------------------------------


def _tickets(ids: list[int]) -> list[dict]:
    from tickets.models import Attachment, Message, Ticket, TicketEvent

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
        "category": _name(ticket.category),
        "team": _name(ticket.team),
        "assignee": _name(ticket.assignee and ticket.assignee.user),
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        # The intake's own fields: what the product is and what the caller said.
        "product_model": ticket.product_model,
        "fault_symptom": ticket.fault_symptom,
        "caller": ticket.caller,
        "call_started_at": _iso(ticket.call_started_at),
        "call_duration_seconds": ticket.call_duration_seconds,
        "expected_handled_by": _iso(ticket.expected_handled_by),
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "first_responded_at": _iso(ticket.first_responded_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
        "reopened_count": ticket.reopened_count,
        "personal_data_erased_at": _iso(ticket.personal_data_erased_at),
        "messages": [_message_row(message) for message in ticket.messages.all()],
        "history": [_event_row(event) for event in ticket.events.all()],
    }


def _message_row(message) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "from_customer": message.author_customer_id is not None,
        "author": message.author_name,
        "is_system": message.is_system,
        "body": message.body,
        "created_at": _iso(message.created_at),
        "attachments": [
            {
                "name": attachment.original_name,
                "size_bytes": attachment.size_bytes,
                "content_type": attachment.content_type,
                "created_at": _iso(attachment.created_at),
            }
            for attachment in message.attachments.all()
        ],
    }


def _messages_elsewhere(ids: list[int]) -> list[dict]:
    """What the customer wrote on a ticket that is not theirs (a merge moved the ticket)."""
    from tickets.models import Message

    messages = (
        Message.objects.filter(author_customer_id__in=ids)
        .exclude(ticket__customer_id__in=ids)
        .select_related("ticket", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return [{"ticket": m.ticket.number, **_message_row(m)} for m in messages]


# --- surveys, follow-ups, e-mails ----------------------------------------------------------------


def _surveys(ids: list[int]) -> list[dict]:
    from surveys.models import SurveyInvitation

    invitations = (
        SurveyInvitation.objects.filter(customer_id__in=ids)
        .select_related("ticket", "response")
        .order_by("created_at", "pk")
    )
    return [
        {
            "ticket": invitation.ticket.number,
            "sent_at": _iso(invitation.created_at),
            "expires_at": _iso(invitation.expires_at),
            "reminder_sent_at": _iso(invitation.reminder_sent_at),
            "language": invitation.language,
            "response": _survey_response(getattr(invitation, "response", None)),
        }
        for invitation in invitations
    ]


def _survey_response(response) -> dict | None:
    if response is None:
        return None
    return {
        **response.answers(),
        "answered_at": _iso(response.created_at),
        "edited_at": _iso(response.edited_at),
    }


def _follow_ups(ids: list[int]) -> list[dict]:
    from surveys.models import FollowUp

    follow_ups = (
        FollowUp.objects.filter(customer_id__in=ids)
        .select_related("ticket")
        .order_by("due_at", "pk")
    )
    return [
        {
            "ticket": follow_up.ticket.number,
            "kind": follow_up.kind,
            "channel": follow_up.channel,
            "status": follow_up.status,
            "outcome": follow_up.outcome,
            "notes": follow_up.notes,
            "due_at": _iso(follow_up.due_at),
            "done_at": _iso(follow_up.done_at),
            "created_at": _iso(follow_up.created_at),
        }
        for follow_up in follow_ups
    ]


def _emails(ids: list[int]) -> list[dict]:
    """The e-mails owed or sent to the customer about their tickets (the outbox rows)."""
    emails = (
        CustomerEmail.objects.filter(ticket__customer_id__in=ids)
        .select_related("ticket")
        .order_by("created_at", "pk")
    )
    return [
        {
            "ticket": email.ticket.number,
            "kind": email.kind,
            "created_at": _iso(email.created_at),
            "sent_at": _iso(email.sent_at),
        }
        for email in emails
    ]


def _incident_updates(ids: list[int]) -> list[dict]:
    from tickets.models import IncidentUpdateDelivery

    deliveries = (
        IncidentUpdateDelivery.objects.filter(customer_id__in=ids)
        .select_related("update__incident")
        .order_by("created_at", "pk")
    )
    return [
        {
            "incident": delivery.update.incident.title,
            "update": delivery.update.body,
            "created_at": _iso(delivery.created_at),
            "sent_at": _iso(delivery.sent_at),
        }
        for delivery in deliveries
    ]


def _inbound_emails(ids: list[int]) -> list[dict]:
    inbound = (
        InboundEmail.objects.filter(ticket__customer_id__in=ids)
        .select_related("ticket")
        .order_by("received_at", "pk")
    )
    return [
        {
            "message_id": mail.message_id,
            "ticket": mail.ticket.number,
            "outcome": mail.outcome,
            "received_at": _iso(mail.received_at),
        }
        for mail in inbound
    ]
