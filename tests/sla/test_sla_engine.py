"""The SLA engine through the ticket services: policies, stored deadlines, pauses, cycles,
checkpoints recorded once, escalation ladder and rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Notification, Role
from sla.models import Calendar, Escalation, SlaPolicy, TicketSla
from sla.services import escalation_record_rule, sla_refresh
from sla.sweeper import sweep_due
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services
from tickets.models import Ticket

# Tenant A's default calendars, policies and rules, and its scope, for every test here.
pytestmark = pytest.mark.usefixtures("seeded_scope_a")


@pytest.fixture
def always(tenant_a):
    return Calendar.objects.get(name="24×7")


@pytest.fixture
def people(tenant_a, agent_a):
    lead = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
    )
    manager = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
    )
    team = TeamFactory(tenant=tenant_a, name="Desk", lead=lead)
    team.members.add(agent_a)
    return {"lead": lead, "manager": manager, "team": team, "agent": agent_a}


def only_policy(tenant, calendar, **targets):
    SlaPolicy.objects.all().delete()
    return SlaPolicy.objects.create(tenant=tenant, name="Test", calendar=calendar, **targets)


def test_the_seeded_policies_give_the_documented_targets(tenant_a):
    created = timezone.now()
    urgent = make_ticket(tenant_a, priority="urgent", created_at=created)
    assert urgent.sla.policy.name.startswith("Urgent")
    assert urgent.sla.first_response_due_at == created + timedelta(minutes=30)
    vip = make_ticket(tenant_a, customer=make_customer(tenant_a, email="v@x.test", tier_code="vip"))
    assert vip.sla.policy.name.startswith("VIP")
    standard = make_ticket(
        tenant_a, customer=make_customer(tenant_a, email="r@x.test", tier_code="regular")
    )
    assert standard.sla.policy.first_response_minutes == 60
    assert standard.sla.policy.resolution_minutes == 24 * 60


def test_the_abc_classes_of_seed_004_are_expressible_as_policies(tenant_a, always):
    SlaPolicy.objects.all().delete()
    classes = {"A": 60, "B": 240, "C": 1440}
    categories = {}
    for position, (name, minutes) in enumerate(classes.items()):
        categories[name] = make_category(tenant_a, name=f"Class {name}")
        policy = SlaPolicy.objects.create(
            tenant=tenant_a,
            name=name,
            position=position,
            calendar=always,
            first_response_minutes=minutes,
        )
        policy.categories.add(categories[name])
    for name, minutes in classes.items():
        ticket = make_ticket(tenant_a, category=categories[name])
        assert ticket.sla.first_response_due_at - ticket.created_at == timedelta(minutes=minutes)


def test_a_priority_change_moves_the_deadline(tenant_a):
    ticket = make_ticket(tenant_a)
    before = ticket.sla.first_response_due_at
    services.ticket_change_priority(ticket=ticket, actor=None, priority="urgent")
    ticket.sla.refresh_from_db()
    assert ticket.sla.first_response_due_at < before


def test_the_first_public_reply_meets_the_target_and_a_note_does_not(tenant_a, agent_a):
    ticket = make_ticket(tenant_a)
    services.ticket_reply(ticket=ticket, actor=agent_a, body="note", internal=True)
    ticket.sla.refresh_from_db()
    assert ticket.sla.next_check_at is not None
    services.ticket_reply(ticket=ticket, actor=agent_a, body="Hello")
    checkpoints = set(Escalation.objects.values_list("target", flat=True))
    assert checkpoints == set()
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.first_response_due_at is not None  # kept for display once met
    assert sla.colour == "green"  # resolution still runs


def test_waiting_on_the_customer_pauses_the_clock(tenant_a, always):
    only_policy(tenant_a, always, first_response_minutes=60, resolution_minutes=120)
    start = timezone.now() - timedelta(minutes=30)
    ticket = make_ticket(tenant_a, created_at=start)
    services.ticket_change_status(ticket=ticket, actor=None, status="pending")
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.colour == "paused" and sla.next_check_at is None
    # Twenty minutes later the customer answers: the deadline moves by the paused time.
    pause = ticket.sla_pauses.get()
    pause.started_at -= timedelta(minutes=20)
    pause.save()
    services.ticket_customer_reply(ticket=ticket, customer=ticket.customer, body="Here it is")
    sla.refresh_from_db()
    assert sla.colour != "paused" and sla.paused_seconds >= 20 * 60
    assert sla.resolution_due_at >= start + timedelta(minutes=140) - timedelta(seconds=5)


def test_a_customer_message_after_the_first_reply_starts_a_next_response_cycle(tenant_a, agent_a):
    ticket = make_ticket(tenant_a)
    services.ticket_reply(ticket=ticket, actor=agent_a, body="First")
    services.ticket_customer_reply(ticket=ticket, customer=ticket.customer, body="And?")
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.next_response_due_at is not None and sla.next_response_cycle == 1
    services.ticket_reply(ticket=ticket, actor=agent_a, body="Answer")
    sla.refresh_from_db()
    assert sla.next_response_due_at is None


def test_reopening_restarts_the_resolution_target(tenant_a, agent_a):
    ticket = make_ticket(tenant_a, created_at=timezone.now() - timedelta(days=3))
    services.ticket_change_status(ticket=ticket, actor=agent_a, status="resolved")
    assert TicketSla.objects.get(ticket=ticket).colour in ("met", "red")
    services.ticket_reopen(ticket=ticket, actor=agent_a)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.resolution_cycle == 1
    assert sla.resolution_due_at > timezone.now()


def test_the_sweep_records_each_level_once_and_climbs_the_ladder(tenant_a, always, people):
    only_policy(
        tenant_a, always, first_response_minutes=10, amber_percent=50, manager_after_percent=50
    )
    ticket = make_ticket(tenant_a, created_at=timezone.now())
    services.ticket_change_team(ticket=ticket, actor=None, team=people["team"])
    services.ticket_assign(ticket=ticket, actor=None, assignee=people["agent"])
    created = ticket.created_at
    levels = lambda: list(Escalation.objects.filter(ticket=ticket).values_list("level", flat=True))  # noqa: E731
    assert sweep_due(now=created + timedelta(minutes=4)) == 0 and levels() == []
    sweep_due(now=created + timedelta(minutes=5, seconds=1))
    assert levels() == ["warning"]
    assert TicketSla.objects.get(ticket=ticket).colour == "amber"
    sweep_due(now=created + timedelta(minutes=10, seconds=1))
    sweep_due(now=created + timedelta(minutes=10, seconds=2))  # nothing new: already recorded
    assert levels() == ["warning", "breach"]
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.colour == "red" and sla.is_escalated
    sweep_due(now=created + timedelta(minutes=15, seconds=1))
    assert levels() == ["warning", "breach", "manager"]
    sweep_due(now=created + timedelta(minutes=30))
    assert levels() == ["warning", "breach", "manager"]
    assert TicketSla.objects.get(ticket=ticket).next_check_at is None
    recipients = {
        n.recipient.user.email: n.text
        for n in Notification.objects.select_related("recipient__user")
    }
    assert set(recipients) == {"agent@acme.test", "lead@acme.test", "boss@acme.test"}
    assert "warning" in recipients["agent@acme.test"].lower()
    assert "breached" in recipients["lead@acme.test"].lower()


def test_refreshing_twice_at_the_same_moment_records_nothing_twice(tenant_a, always):
    only_policy(tenant_a, always, first_response_minutes=1)
    ticket = make_ticket(tenant_a, created_at=timezone.now() - timedelta(minutes=5))
    later = timezone.now()
    first = Escalation.objects.count()
    sla_refresh(ticket=Ticket.objects.get(pk=ticket.pk), now=later)
    sla_refresh(ticket=Ticket.objects.get(pk=ticket.pk), now=later)
    assert first == Escalation.objects.count() == 3  # warning, breach, manager — once each


@pytest.mark.parametrize(
    ("subject", "tier", "complaint_before", "expected"),
    [
        ("Washer broken", None, False, []),
        ("Washer broken", "vip", False, ["a priority-service customer"]),
        ("我要投诉你们的服务", None, False, ["angry wording"]),
        ("This is unacceptable", None, False, ["angry wording"]),
        ("Technician late again", None, True, ["a repeat complaint within the repeat window"]),
    ],
)
def test_the_default_triggers_escalate_on_creation_with_their_reason(
    tenant_a, people, subject, tier, complaint_before, expected
):
    customer = make_customer(tenant_a, tier_code=tier, is_vip=tier == "vip")
    complaints = make_category(tenant_a, name="Complaint", team=people["team"], is_complaint=True)
    category = complaints if complaint_before else None
    if complaint_before:
        make_ticket(tenant_a, customer=customer, category=complaints, subject="First complaint")
        Escalation.objects.all().delete()
    ticket = make_ticket(tenant_a, customer=customer, subject=subject, category=category)
    rule = Escalation.objects.filter(ticket=ticket, level="rule").first()
    if not expected:
        assert rule is None
    else:
        assert rule.reason == "; ".join(expected)
        assert TicketSla.objects.get(ticket=ticket).is_escalated
        assert ticket.events.filter(action="escalated").exists()
        assert Notification.objects.filter(recipient=people["lead"]).exists() or not ticket.team_id


def test_a_rule_escalation_without_a_team_lead_notifies_every_manager(tenant_a, agent_a):
    managers = [
        MembershipFactory(
            tenant=tenant_a, user=UserFactory(email=f"boss{n}@acme.test"), role=Role.MANAGER
        )
        for n in (1, 2)
    ]
    ticket = make_ticket(tenant_a, subject="This is unacceptable")
    notified = Notification.objects.filter(url=f"/tickets/{ticket.number}/")
    assert sorted(n.recipient_id for n in notified) == sorted(m.pk for m in managers)
    assert TicketSla.objects.get(ticket=ticket).is_escalated and ticket.sla.is_escalated


def test_a_rule_escalation_is_recorded_once_and_the_transaction_goes_on(tenant_a, people):
    ticket = make_ticket(tenant_a, subject="This is unacceptable")
    assert not escalation_record_rule(ticket=ticket, reasons=["again"])
    assert list(Escalation.objects.filter(ticket=ticket).values_list("level", "reason")) == [
        ("rule", "angry wording")
    ]
    assert ticket.events.filter(action="escalated").count() == 1
    assert Notification.objects.filter(url=f"/tickets/{ticket.number}/").count() == 1
