"""The customer data export (``customers.selectors.customer_export``): its queries and its shape.

One function per kind of row, each returning plain JSON values. Every query is filtered by the
customer's rows (``people``: the customer and the duplicates merged into them), so nothing of
another customer comes along; the tenant scope keeps every other tenant out. What tickets and
surveys hold comes from their receivers of ``events.customer_data_export``, which build their
rows with ``iso``, ``name_of`` and ``event_row`` so every section has the same shape.
"""

from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .events import customer_data_export
from .models import Customer, CustomerEmail, CustomerEvent, InboundEmail

FORMAT = "helpdesk.customer-export/1"
# The document's sections after the profiles, in this order (the format is stable, and the
# order must not follow the order the apps happen to connect their receivers in). Ours:
# history, emails, inbound_emails; the rest come from ``events.customer_data_export``.
SECTIONS = (
    "history",
    "tickets",
    "messages_on_other_tickets",
    "surveys",
    "follow_ups",
    "emails",
    "incident_updates",
    "inbound_emails",
    "work_orders",
)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def name_of(value: object) -> str | None:
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
    head = {
        "format": FORMAT,
        "exported_at": iso(timezone.now()),
        "customer": by_pk.pop(customer.pk),
        "merged_duplicates": list(by_pk.values()),
    }
    return {**head, **_sections(ids)}


def _sections(ids: list[int]) -> dict:
    """Ours and the other apps' sections, in ``SECTIONS`` order. A section missing or unknown
    is an error: a partial export would pass for a complete one."""
    found = {"history": _events(ids), "emails": _emails(ids), "inbound_emails": _inbound(ids)}
    for _receiver, (key, rows) in customer_data_export.send(sender=Customer, customer_ids=ids):
        if key in found or key not in SECTIONS:
            raise ImproperlyConfigured(f"customer export section {key!r} is unknown or twice")
        found[key] = rows
    missing = [key for key in SECTIONS if key not in found]
    if missing:
        raise ImproperlyConfigured(f"customer export sections without a receiver: {missing}")
    return {key: found[key] for key in SECTIONS}


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
        "tier": name_of(person.tier),
        "organization": None
        if organization is None
        else {"id": organization.pk, "name": organization.name, "tier": name_of(organization.tier)},
        "account_manager": name_of(person.account_manager and person.account_manager.user),
        "merged_into": person.merged_into_id,
        "portal_sign_ins": person.portal_sign_in_count,
        "created_at": iso(person.created_at),
        "anonymised_at": iso(person.anonymised_at),
    }


def event_row(event) -> dict:
    return {
        "action": event.action,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "data": event.data,
        "by": event.actor_label,
        "at": iso(event.created_at),
    }


def _events(ids: list[int]) -> list[dict]:
    """The customer's audit trail: tier history, profile changes, merges, anonymisation."""
    events = CustomerEvent.objects.filter(customer_id__in=ids).order_by("created_at", "pk")
    return [{"customer": event.customer_id, **event_row(event)} for event in events]


# --- e-mails --------------------------------------------------------------------------------------


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
            "created_at": iso(email.created_at),
            "sent_at": iso(email.sent_at),
        }
        for email in emails
    ]


def _inbound(ids: list[int]) -> list[dict]:
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
            "received_at": iso(mail.received_at),
        }
        for mail in inbound
    ]
