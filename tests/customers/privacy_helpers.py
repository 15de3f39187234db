"""Builders for the privacy tests: one customer with personal data in every table that can
hold it, and a text dump of every tenant-owned row to search for it."""

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from customers import services as customer_services
from customers.models import Customer, InboundEmail, Organization
from helpdesk.models import WebhookSubscription
from surveys.models import FollowUp, SurveyInvitation
from surveys.services import survey_answer
from tests.incidents.helpers import incident_objects
from tickets import services as ticket_services
from tickets.models import Channel, Status, Ticket

# Every piece of Wang Xiaoming's personal data the builder below stores somewhere.
PERSONAL_STRINGS = (
    "Wang Xiaoming",
    "wang.xiaoming@example.cn",
    "wang.old@example.cn",
    "13912345678",
    "Xiaoming W",
    "xm.wang@example.cn",
    "13800000001",
    "88 Nanjing Road",
    "after 6pm",
    "passport-wang",
    "rude on the phone",
    "dryer squeaks",
)


@dataclass
class Person:
    customer: Customer
    duplicate: Customer
    ticket: Ticket
    moved_ticket: Ticket


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n personal", content_type="image/png")


def build_person(tenant, admin, agent) -> Person:
    """Wang Xiaoming: an edited profile, a merged duplicate, a phone ticket with files, a
    reply, a note, an answer by the customer, a survey comment, a follow-up, an owed incident
    e-mail, an inbound mail and webhook deliveries."""
    with scope(tenant=tenant):
        customer = _profile(tenant, admin)
        duplicate, moved = _merged_duplicate(tenant, admin, customer)
        WebhookSubscription.objects.create(
            tenant=tenant,
            url="https://hooks.example.com/desk",
            events=["ticket.created", "ticket.updated", "survey.answered"],
            secret="s" * 32,
        )
        ticket = _phone_ticket(tenant, customer, agent)
        incident_objects(tenant, admin, ticket)
        InboundEmail.objects.create(
            tenant=tenant, message_id="<8311@mail.example.cn>", ticket=ticket, outcome="reply"
        )
        customer.refresh_from_db()
    return Person(customer=customer, duplicate=duplicate, ticket=ticket, moved_ticket=moved)


def _profile(tenant, admin) -> Customer:
    organization = Organization.objects.create(tenant=tenant, name="Pudong Laundry Co")
    fields = {
        "phone": "13912345678",
        "organization": organization,
        "key_info": "Lives at 88 Nanjing Road",
        "notes": "Call after 6pm",
        "language": "zh-hans",
    }
    customer = customer_services.customer_create(
        tenant=tenant,
        actor=admin,
        name="Wang Xiaoming",
        email="wang.old@example.cn",
        tags=["price-sensitive"],
        **fields,
    )
    customer_services.customer_update(
        customer=customer,
        actor=admin,
        name="Wang Xiaoming",
        email="wang.xiaoming@example.cn",  # the old address stays in the audit trail
        tier=None,
        tags=["price-sensitive"],
        account_manager=None,
        **fields,
    )
    return customer


def _merged_duplicate(tenant, admin, customer) -> tuple[Customer, Ticket]:
    duplicate = customer_services.customer_create(
        tenant=tenant, actor=admin, name="Xiaoming W", email="xm.wang@example.cn"
    )
    duplicate.phone = "13800000001"
    duplicate.save(update_fields=["phone"])
    moved = ticket_services.ticket_create(
        tenant=tenant, customer=duplicate, subject="My dryer squeaks", description="Loudly."
    )
    customer_services.customer_merge(keep=customer, duplicate=duplicate, actor=admin)
    return duplicate, moved


def _phone_ticket(tenant, customer, agent) -> Ticket:
    ticket = ticket_services.ticket_create(
        tenant=tenant,
        customer=customer,
        actor=agent,
        subject="Wang Xiaoming: dishwasher floods the kitchen",
        description="Call 13912345678 before coming to 88 Nanjing Road.",
        channel=Channel.PHONE,
        caller="Wang Xiaoming",
        call_started_at=timezone.now() - timedelta(minutes=10),
        call_duration_seconds=300,
        fault_symptom="Water under the door of 88 Nanjing Road",
        attachments=[png("passport-wang.png")],
    )
    ticket_services.ticket_reply(
        ticket=ticket, actor=agent, body="Dear Wang Xiaoming, a technician comes tomorrow."
    )
    ticket_services.ticket_reply(
        ticket=ticket, actor=agent, body="Wang Xiaoming was rude on the phone.", internal=True
    )
    ticket_services.ticket_customer_reply(
        ticket=ticket,
        customer=customer,
        body="Thanks! Wang Xiaoming, 13912345678",
        attachments=[png("passport-wang-2.png")],
    )
    ticket_services.ticket_change_status(ticket=ticket, actor=agent, status=Status.RESOLVED)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    survey_answer(invitation=invitation, overall=5, nps=9, comment="Wang Xiaoming is happy")
    FollowUp.objects.create(
        tenant=tenant,
        ticket=ticket,
        customer=customer,
        kind="manual",
        due_at=timezone.now(),
        status="done",
        outcome="satisfied",
        notes="Reached Wang Xiaoming on 13912345678",
    )
    ticket.refresh_from_db()
    return ticket


def other_customer(tenant, *, name: str, email: str, subject: str) -> Customer:
    """Someone else, with a ticket and a message of their own."""
    with scope(tenant=tenant):
        customer = customer_services.customer_create(tenant=tenant, name=name, email=email)
        ticket = ticket_services.ticket_create(tenant=tenant, customer=customer, subject=subject)
        ticket_services.ticket_customer_reply(
            ticket=ticket, customer=customer, body=f"{name} writes again"
        )
    return customer


def tenant_rows_text(tenant) -> str:
    """Every row of every tenant-owned table of ``tenant``, serialised: what a database dump
    of the tenant would contain."""
    owned = [m for m in apps.get_models() if any(f.name == "tenant" for f in m._meta.fields)]
    with scope(tenant=tenant):
        return "\n".join(
            serializers.serialize("json", model.objects.order_by("pk"), ensure_ascii=False)
            for model in owned
        )
