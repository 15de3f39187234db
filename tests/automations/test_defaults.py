"""The triggers a desk starts with do what used to be built in — category routing and the
three escalations on creation — plus "product bug → technical team, 48 h" and "negative
survey → improvement task, 72 h" (seed 004); the admin may change or switch off each."""

from datetime import timedelta

import pytest
from django_scopes import scope

from automations.defaults import TECHNICAL_TEAM
from automations.models import Trigger
from automations.services import trigger_update
from helpdesk.models import CertificationStage, Notification, Role, Team
from helpdesk.services import tenant_create, tenant_seed_defaults
from sla.models import TicketSla
from surveys.models import FollowUp, FollowUpKind
from tests.factories import MembershipFactory, TeamFactory, TenantFactory, UserFactory
from tests.surveys.helpers import answered_survey
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services as tickets
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

NAMES_EN = [
    "Route by category",
    "Product bug → technical team",
    "Escalate a repeat complaint",
    "Escalate a priority-service customer",
    "Escalate angry wording",
    "Negative survey → improvement task",
]


def trigger_named(name: str) -> Trigger:
    return Trigger.objects.get(name=name)


def fired(ticket) -> list[str]:
    events = TicketEvent.objects.filter(ticket=ticket, action="trigger_fired")
    return list(events.order_by("pk").values_list("new_value", flat=True))


def test_a_new_desk_starts_with_the_six_in_its_language():
    tenant, _admin = tenant_create(
        name="海尔售后", slug="haier", admin_email="admin@haier.test", admin_password=None
    )
    with scope(tenant=tenant):
        names = list(Trigger.objects.order_by("position").values_list("name", flat=True))
        assert len(names) == 6 and names[0] == "按类别分派"
        assert Team.objects.filter(name=TECHNICAL_TEAM).exists()
        assert all(t.is_active for t in Trigger.objects.all())


def test_seeding_again_leaves_a_desks_triggers_as_they_are(tenant_a):
    with scope(tenant=tenant_a):
        assert list(Trigger.objects.values_list("name", flat=True)) == NAMES_EN
        Trigger.objects.filter(name=NAMES_EN[0]).delete()
    TenantFactory(slug="acme")  # the factory seeds again: a desk with triggers keeps its own
    with scope(tenant=tenant_a):
        assert Trigger.objects.count() == 5


def test_a_new_ticket_goes_to_its_categorys_team_by_the_trigger(tenant_a, agent_a, team_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a, category=make_category(tenant_a, team=team_a))
        assert ticket.team == team_a and ticket.assignee == agent_a
        assert fired(ticket) == ["Route by category"]
        changed = TicketEvent.objects.get(ticket=ticket, field="team")
        assert changed.actor_label == "Trigger 'Route by category'"


def test_switched_off_category_routing_leaves_the_ticket_without_a_team(tenant_a, team_a, admin_a):
    with scope(tenant=tenant_a):
        trigger_update(
            tenant=tenant_a,
            actor=admin_a,
            trigger=trigger_named(NAMES_EN[0]),
            values={"is_active": False},
        )
        ticket = make_ticket(tenant_a, category=make_category(tenant_a, team=team_a))
        assert ticket.team is None and ticket.assignee is None and fired(ticket) == []


def test_a_product_bug_goes_to_the_technical_team_with_48_hours(tenant_a, team_a, seeded_scope_a):
    with scope(tenant=tenant_a):
        lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
        technical = Team.objects.get(name=TECHNICAL_TEAM)
        technical.lead = lead
        technical.save(update_fields=["lead"])
        category = make_category(tenant_a, team=team_a)
        bug = make_ticket(tenant_a, subject="App 闪退 after the update", category=category)
        plain = make_ticket(tenant_a, subject="Washer leaks", category=category)
        assert bug.team == technical and plain.team == team_a
        assert list(bug.tags.values_list("name", flat=True)) == ["product-bug"]
        sla = TicketSla.objects.get(ticket=bug)
        assert sla.target_resolution_minutes == 48 * 60
        plain_sla = TicketSla.objects.get(ticket=plain)
        assert sla.resolution_due_at > plain_sla.resolution_due_at  # 48 h of service hours
        assert fired(bug) == ["Route by category", "Product bug → technical team"]
        assert Notification.objects.filter(recipient=lead, text__contains="48 hours").count() == 1


def test_a_bad_survey_gives_the_team_lead_the_improvement_deadline_in_72_hours(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
        team = TeamFactory(tenant=tenant_a, name="Care", lead=lead)
        team.members.add(agent_a)
        bad = make_ticket(tenant_a, category=make_category(tenant_a, team=team))
        good = make_ticket(tenant_a, category=make_category(tenant_a, name="B", team=team))
        answered_survey(bad, actor=agent_a, overall=2)
        answered_survey(good, actor=agent_a, overall=5)
        task = FollowUp.objects.get(kind=FollowUpKind.IMPROVEMENT)
        assert task.ticket == bad and task.assignee == lead
        firing = bad.events.get(action="trigger_fired", new_value=NAMES_EN[5])
        assert abs(task.due_at - firing.created_at - timedelta(hours=72)) < timedelta(minutes=1)


def test_an_escalation_gives_an_unassigned_ticket_to_a_certified_senior(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        trainee = MembershipFactory(
            tenant=tenant_a, user=UserFactory(), certification_stage=CertificationStage.TRAINEE
        )
        agent_a.certification_stage = CertificationStage.CERTIFIED
        agent_a.save(update_fields=["certification_stage"])
        team = TeamFactory(tenant=tenant_a, name="Repair")
        team.members.add(trainee, agent_a)
        # The trainee has no tickets, the certified agent two: load alone would pick the trainee.
        category = make_category(tenant_a, team=team)
        for _ in range(2):
            tickets.ticket_assign(ticket=make_ticket(tenant_a), actor=None, assignee=agent_a)
        ticket = make_ticket(tenant_a, subject="This is unacceptable", category=category)
        assert ticket.assignee == agent_a
        assigned = ticket.events.get(action="assigned")
        assert assigned.data["reason"] == "escalation"
        assert assigned.actor_label == "Trigger 'Escalate angry wording'"


def test_the_admin_switches_the_vip_escalation_off(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        vip = make_customer(tenant_a, email="v@x.test", tier_code="vip", is_vip=True)
        first = make_ticket(tenant_a, customer=vip)
        trigger_update(
            tenant=tenant_a,
            actor=admin_a,
            trigger=trigger_named(NAMES_EN[3]),
            values={"is_active": False},
        )
        second = make_ticket(tenant_a, customer=vip, subject="Again")
        assert TicketSla.objects.get(ticket=first).is_escalated
        assert not TicketSla.objects.get(ticket=second).is_escalated


def test_the_admin_edits_the_angry_words_and_they_take_effect(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        words = {
            "all": [
                {
                    "field": "subject_or_text",
                    "operator": "contains_any",
                    "value": ["退货", "broken again"],
                }
            ]
        }
        trigger_update(
            tenant=tenant_a,
            actor=admin_a,
            trigger=trigger_named(NAMES_EN[4]),
            values={"conditions": words},
        )
        ticket = make_ticket(tenant_a, subject="Broken AGAIN after repair")
        old_word = make_ticket(tenant_a, subject="This is unacceptable")
        assert ticket.escalations.get(level="rule").reason == "angry wording"
        assert not old_word.escalations.exists()


@pytest.fixture
def tenant_a(db):
    """This module is about the default triggers: its desk has them, as every new desk."""
    return TenantFactory(slug="acme", name="ACME")


@pytest.fixture
def seeded_scope_a(tenant_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        yield
