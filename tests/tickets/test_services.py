"""The ticket lifecycle through its services: every transition, allowed and forbidden."""

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import Notification, Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import TRANSITIONS, TransitionError


@pytest.fixture(autouse=True)
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


def put_in_status(ticket, status, actor):
    """Walk a new ticket to ``status`` through allowed transitions."""
    path = {
        Status.NEW: [],
        Status.OPEN: [Status.OPEN],
        Status.PENDING: [Status.PENDING],
        Status.ON_HOLD: [Status.ON_HOLD],
        Status.RESOLVED: [Status.RESOLVED],
        Status.CLOSED: [Status.RESOLVED, Status.CLOSED],
    }[status]
    for step in path:
        services.ticket_change_status(ticket=ticket, actor=actor, status=step)
    return ticket


ALL_PAIRS = [(a, b) for a, b in itertools.product(Status.values, Status.values) if a != b]


@pytest.mark.parametrize(("start", "target"), ALL_PAIRS)
def test_it_allows_exactly_the_transitions_in_the_table(tenant_a, agent_a, start, target):
    ticket = put_in_status(make_ticket(tenant_a), start, agent_a)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    if target in TRANSITIONS[start]:
        services.ticket_change_status(ticket=ticket, actor=agent_a, status=target)
        assert Ticket.objects.get(pk=ticket.pk).status == target
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before + 1
    else:
        with pytest.raises(TransitionError):
            services.ticket_change_status(ticket=ticket, actor=agent_a, status=target)
        assert Ticket.objects.get(pk=ticket.pk).status == start
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_it_rejects_an_unknown_status(tenant_a, agent_a):
    with pytest.raises(ValidationError):
        services.ticket_change_status(ticket=make_ticket(tenant_a), actor=agent_a, status="gone")


def test_it_numbers_tickets_per_tenant_from_one(tenant_a, tenant_b):
    numbers_a = [make_ticket(tenant_a, subject=f"a{i}").number for i in range(3)]
    with scope(tenant=tenant_b):
        number_b = make_ticket(tenant_b).number
    assert numbers_a == [1, 2, 3] and number_b == 1


def test_it_records_creation_and_stamps_resolution_and_close(tenant_a, agent_a):
    ticket = make_ticket(tenant_a, channel="phone", call_duration_seconds=95)
    assert ticket.events.first().action == "created"
    services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.RESOLVED)
    assert ticket.resolved_at is not None
    services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.CLOSED)
    assert ticket.closed_at is not None


def test_it_counts_a_reopen_and_clears_the_resolution(tenant_a, agent_a):
    ticket = put_in_status(make_ticket(tenant_a), Status.RESOLVED, agent_a)
    services.ticket_reopen(ticket=ticket, actor=agent_a)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count, ticket.resolved_at) == (Status.OPEN, 1, None)
    assert ticket.events.last().action == "reopened"


def test_the_first_public_reply_stamps_the_first_response_and_opens(tenant_a, agent_a):
    ticket = make_ticket(tenant_a)
    services.ticket_reply(ticket=ticket, actor=agent_a, body="Looking into it", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None and ticket.status == Status.NEW
    services.ticket_reply(ticket=ticket, actor=agent_a, body="We will send a technician")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.status == Status.OPEN
    first = ticket.first_responded_at
    services.ticket_reply(ticket=ticket, actor=agent_a, body="Tomorrow 10:00")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first and ticket.last_agent_reply_at > first


def test_it_refuses_an_empty_reply_and_keeps_nothing(tenant_a, agent_a):
    ticket = make_ticket(tenant_a)
    with pytest.raises(ValidationError):
        services.ticket_reply(ticket=ticket, actor=agent_a, body="   ")
    assert not Message.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("status", [Status.PENDING, Status.RESOLVED])
def test_a_customer_reply_reopens_a_waiting_or_resolved_ticket(tenant_a, agent_a, status):
    ticket = put_in_status(make_ticket(tenant_a), status, agent_a)
    services.ticket_customer_reply(ticket=ticket, customer=ticket.customer, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.last_customer_reply_at is not None
    assert ticket.reopened_count == (1 if status == Status.RESOLVED else 0)


def test_a_customer_reply_to_a_closed_ticket_is_refused(tenant_a, agent_a):
    ticket = put_in_status(make_ticket(tenant_a), Status.CLOSED, agent_a)
    with pytest.raises(TransitionError):
        services.ticket_customer_reply(ticket=ticket, customer=ticket.customer, body="Hello?")


def test_field_changes_are_events_with_before_and_after(tenant_a, agent_a, team_a):
    ticket = make_ticket(tenant_a)
    category = make_category(tenant_a, name="Billing")
    services.ticket_change_priority(ticket=ticket, actor=agent_a, priority="urgent")
    services.ticket_change_category(ticket=ticket, actor=agent_a, category=category)
    services.ticket_change_team(ticket=ticket, actor=agent_a, team=team_a)
    services.ticket_set_tags(ticket=ticket, actor=agent_a, names=["price-sensitive", " vip "])
    services.ticket_assign(ticket=ticket, actor=agent_a, assignee=agent_a)
    changes = [(e.field, e.old_value, e.new_value) for e in ticket.events.exclude(field="")]
    assert changes == [
        ("priority", "normal", "urgent"),
        ("category", "", "Billing"),
        ("team", "", "Repair"),
        ("tags", "", "price-sensitive, vip"),
        ("assignee", "", str(agent_a.user)),
    ]
    assert ticket.events.get(field="assignee").actor == agent_a


def test_events_are_append_only(tenant_a):
    event = make_ticket(tenant_a).events.first()
    event.new_value = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_transfer_records_reason_for_the_team_tells_the_customer_and_notifies_the_lead(
    tenant_a, agent_a
):
    lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
    handler = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.DEPARTMENT_HANDLER)
    billing = TeamFactory(tenant=tenant_a, name="Billing", lead=lead)
    billing.members.add(handler)
    ticket = make_ticket(tenant_a)
    services.ticket_transfer(
        ticket=ticket,
        actor=agent_a,
        team=billing,
        reason="Invoice question",
        expected_handling_minutes=120,
        customer_message="Our billing colleagues take over.",
    )
    ticket.refresh_from_db()
    event = ticket.events.get(action="transferred")
    assert event.data["reason"] == "Invoice question" and event.new_value == "Billing"
    assert ticket.expected_handled_by > timezone.now() + timedelta(minutes=119)
    told = ticket.messages.get(is_system=True, kind="public")
    assert told.body == "Our billing colleagues take over."
    note = ticket.messages.get(is_system=True, kind="internal")
    assert "Invoice question" in note.body
    assert ticket.assignee in (handler, lead)  # the receiving team names a handler at once
    assert Notification.objects.filter(recipient=lead, text__contains=f"#{ticket.number}").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"reason": " "}, "reason"), ({"expected_handling_minutes": 0}, "expected_handling_minutes")],
)
def test_transfer_needs_a_reason_and_a_time(tenant_a, agent_a, kwargs, field):
    ticket = make_ticket(tenant_a)
    team = TeamFactory(tenant=tenant_a, name="Elsewhere")
    args = {"reason": "why", "expected_handling_minutes": 30, **kwargs}
    with pytest.raises(ValidationError) as error:
        services.ticket_transfer(ticket=ticket, actor=agent_a, team=team, **args)
    assert field in error.value.message_dict
    assert not ticket.events.filter(action="transferred").exists()


def test_merge_moves_the_thread_and_closes_the_duplicate(tenant_a, agent_a):
    customer = make_customer(tenant_a)
    original = make_ticket(tenant_a, customer=customer, subject="No hot water")
    duplicate = make_ticket(tenant_a, customer=customer, subject="No hot water (again)")
    services.ticket_reply(ticket=duplicate, actor=agent_a, body="Reply on the duplicate")
    services.ticket_merge(source=duplicate, target=original, actor=agent_a)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into == original
    bodies = list(original.messages.values_list("body", flat=True))
    assert "Reply on the duplicate" in bodies
    assert any(f"#{duplicate.number}" in body for body in bodies)


def test_merge_refuses_another_customers_ticket_or_itself(tenant_a, agent_a):
    mine = make_ticket(tenant_a)
    theirs = make_ticket(tenant_a, customer=make_customer(tenant_a, email="other@example.test"))
    for target in (theirs, mine):
        with pytest.raises(ValidationError):
            services.ticket_merge(source=mine, target=target, actor=agent_a)


def test_resolved_tickets_close_after_the_tenants_grace_period_once(tenant_a, agent_a):
    old = put_in_status(make_ticket(tenant_a), Status.RESOLVED, agent_a)
    fresh = put_in_status(make_ticket(tenant_a), Status.RESOLVED, agent_a)
    Ticket.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    assert services.tickets_close_resolved(tenant=tenant_a) == 1
    assert services.tickets_close_resolved(tenant=tenant_a) == 0
    assert Ticket.objects.get(pk=old.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=fresh.pk).status == Status.RESOLVED
    assert old.events.filter(new_value=Status.CLOSED).count() == 1


def test_the_auto_close_task_runs_in_the_tenant_scope(tenant_a, agent_a):
    from tickets.tasks import sweep_resolved_tickets

    old = put_in_status(make_ticket(tenant_a), Status.RESOLVED, agent_a)
    Ticket.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    sweep_resolved_tickets.delay()  # eager in tests: runs the per-tenant tasks inline
    assert Ticket.objects.get(pk=old.pk).status == Status.CLOSED


def test_attachments_over_the_limit_or_of_a_refused_type_keep_nothing(tenant_a, agent_a, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket(tenant_a)
    for upload in (SimpleUploadedFile("big.txt", b"x" * 11), SimpleUploadedFile("run.exe", b"MZ")):
        with pytest.raises(ValidationError):
            services.ticket_reply(
                ticket=ticket, actor=agent_a, body="see file", attachments=[upload]
            )
    assert not ticket.messages.exists()
    before = Ticket.objects.count()
    with pytest.raises(ValidationError):
        make_ticket(tenant_a, attachments=[SimpleUploadedFile("evil.exe", b"MZ")])
    assert Ticket.objects.count() == before
