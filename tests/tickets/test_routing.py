"""Automatic dispatch: skill, load, and no hard tickets for trainees."""

import pytest
from django_scopes import scope

from helpdesk.models import CertificationStage, Role, Skill
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets import services


@pytest.fixture(autouse=True)
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


@pytest.fixture
def repair(tenant_a):
    team = TeamFactory(tenant=tenant_a, name="Repair desk")
    skill = Skill.objects.create(tenant=tenant_a, name="家电维修")
    members = {}
    for name, stage, skilled in [
        ("certified", CertificationStage.CERTIFIED, True),
        ("trainee", CertificationStage.TRAINEE, True),
        ("unskilled", CertificationStage.CERTIFIED, False),
    ]:
        member = MembershipFactory(
            tenant=tenant_a,
            user=UserFactory(email=f"{name}@acme.test"),
            role=Role.AGENT,
            certification_stage=stage,
        )
        if skilled:
            member.skills.add(skill)
        team.members.add(member)
        members[name] = member
    category = make_category(tenant_a, name="Repair", team=team, skill_name="家电维修")
    return team, category, members


def test_it_routes_to_the_least_loaded_agent_with_the_skill(tenant_a, repair):
    _team, category, members = repair
    first = make_ticket(tenant_a, category=category)
    second = make_ticket(tenant_a, category=category)
    assert {first.assignee, second.assignee} == {members["certified"], members["trainee"]}
    assert first.events.filter(action="assigned", data__reason="routing").exists()


@pytest.mark.parametrize("hard", ["urgent", "vip", "complaint"])
def test_it_never_gives_a_trainee_a_hard_ticket(tenant_a, repair, hard):
    team, category, members = repair
    if hard == "complaint":
        category = make_category(
            tenant_a, name="Complaint", team=team, skill_name="家电维修", is_complaint=True
        )
    customer = make_customer(tenant_a, tier_code="vip", is_vip=True) if hard == "vip" else None
    priority = "urgent" if hard == "urgent" else "normal"
    # Load the certified agent so that pure load-balancing would pick the trainee.
    for _ in range(3):
        services.ticket_assign(
            ticket=make_ticket(tenant_a), actor=members["certified"], assignee=members["certified"]
        )
    ticket = make_ticket(tenant_a, category=category, priority=priority, customer=customer)
    assert ticket.assignee == members["certified"]


def test_it_leaves_the_ticket_unassigned_when_nobody_qualifies(tenant_a):
    team = TeamFactory(tenant=tenant_a, name="Empty")
    category = make_category(tenant_a, name="Billing", team=team, skill_name="账单咨询")
    ticket = make_ticket(tenant_a, category=category)
    assert ticket.team == team and ticket.assignee is None
