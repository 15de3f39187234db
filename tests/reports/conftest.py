"""A hand-built week of tickets in tenant A (Asia/Shanghai, UTC+8, no DST) whose every KPI is
worked out by hand in tests/reports/test_kpis.py.

The period is Monday 2025-03-03 to Monday 2025-03-10 (exclusive). Policy "Office" measures on
an office calendar, Monday–Friday 09:00–18:00; tickets without a TicketSla have no policy and
are measured round the clock.

* T1 Mon 03-03 09:00, Office, Repair/A, Repair: replied 10:00 (1 h), resolved 17:00 (8 h);
  one public agent reply; VIP customer; web.
* T2 Mon 03-03 17:00, Office, Repair/A, Complaint (customer C1): replied Tue 10:00 (2 office
  hours), resolved Tue 12:00 (4 office hours); two agent replies; first-response breach; phone.
* T3 Wed 03-05 10:00, no policy, Billing/B, Complaint (C1 again): replied 10:30, resolved 14:00,
  paused 11–13, reopened once, closed Thu; e-mail.
* T4 Thu 03-06 09:00, Office, Billing/B, Repair: open, unanswered; first-response warning and
  breach.
* T5 Fri 02-28 10:00 (before the period), no policy, Repair/A: replied 11:00, resolved
  Tue 03-04 10:00.
* T6 Fri 03-07 10:00, no team, agent or category: new; chat.
* T7 Wed 03-12 10:00 (after the period), Repair/A: new.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from customers.models import Customer, Tier
from helpdesk.models import Role
from knowledge.models import Article, Deflection, TicketArticleLink
from reports.kpis import KpiFilters, KpiSource, Period
from reports.rollup import rollup_refresh
from sla.models import Calendar, Escalation, Level, PauseSpan, SlaPolicy, Target, TicketSla
from surveys.models import FollowUp, SurveyInvitation, SurveyResponse
from tests.factories import MembershipFactory, TeamFactory, TicketFactory, UserFactory
from tickets.models import Category, Message, MessageKind

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2025, 3, 3), date(2025, 3, 10), ZONE)
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=ZONE)


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=ZONE)


@dataclass
class Week:
    tenant: object
    agent_a: object
    agent_b: object
    repair: object
    billing: object
    vip: object
    tickets: dict

    def source(self, **filters) -> KpiSource:
        return KpiSource(tenant=self.tenant, period=PERIOD, filters=KpiFilters(**filters), now=NOW)


@pytest.fixture
def manager_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="manager@acme.test"), role=Role.MANAGER
    )


@pytest.fixture
def quality_a(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="quality@acme.test"), role=Role.QUALITY_SUPERVISOR
    )


@pytest.fixture
def agent_b(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="agent.b@acme.test"), role=Role.AGENT
    )


@pytest.fixture
def week(tenant_a, agent_a, agent_b, admin_a) -> Week:
    with scope(tenant=tenant_a):
        return _build_week(tenant_a, agent_a, agent_b, admin_a)


def _build_week(tenant, agent_a, agent_b, admin) -> Week:
    repair_team = TeamFactory(tenant=tenant, name="Repair")
    repair_team.members.add(agent_a)
    billing_team = TeamFactory(tenant=tenant, name="Billing")
    billing_team.members.add(agent_b)
    repair = Category.objects.create(tenant=tenant, name="Repair")
    complaint = Category.objects.create(tenant=tenant, name="Complaint", is_complaint=True)
    vip = Tier.objects.create(tenant=tenant, code="vip", name="VIP", is_vip=True)
    c1 = Customer.objects.create(tenant=tenant, name="C1", email="c1@example.test")
    c_vip = Customer.objects.create(tenant=tenant, name="V", email="v@example.test", tier=vip)
    office = Calendar.objects.create(
        tenant=tenant,
        name="Office",
        time_zone="Asia/Shanghai",
        opening_hours={str(d): [["09:00", "18:00"]] for d in range(5)},
    )
    policy = SlaPolicy.objects.create(
        tenant=tenant,
        name="Office",
        calendar=office,
        first_response_minutes=Decimal("60"),
        resolution_minutes=Decimal("480"),
    )

    def ticket(created, *, customer=c1, team=None, agent=None, category=None, **fields):
        return TicketFactory(
            tenant=tenant,
            customer=customer,
            created_at=created,
            updated_at=created,
            team=team,
            assignee=agent,
            category=category,
            **fields,
        )

    t1 = ticket(
        local(3, 9),
        customer=c_vip,
        team=repair_team,
        agent=agent_a,
        category=repair,
        first_responded_at=local(3, 10),
        resolved_at=local(3, 17),
        status="resolved",
    )
    t2 = ticket(
        local(3, 17),
        team=repair_team,
        agent=agent_a,
        category=complaint,
        channel="phone",
        first_responded_at=local(4, 10),
        resolved_at=local(4, 12),
        status="resolved",
    )
    t3 = ticket(
        local(5, 10),
        team=billing_team,
        agent=agent_b,
        category=complaint,
        channel="email",
        first_responded_at=local(5, 10, 30),
        resolved_at=local(5, 14),
        status="closed",
        closed_at=local(6, 9),
        reopened_count=1,
    )
    t4 = ticket(local(6, 9), team=billing_team, agent=agent_b, category=repair, status="open")
    t5 = ticket(
        local(28, 10, month=2),
        team=repair_team,
        agent=agent_a,
        category=repair,
        first_responded_at=local(28, 11, month=2),
        resolved_at=local(4, 10),
        status="resolved",
    )
    t6 = ticket(local(7, 10), channel="chat")
    ticket(local(12, 10), team=repair_team, agent=agent_a, category=repair)  # T7, after
    for t in (t1, t2, t4):
        TicketSla.objects.create(tenant=tenant, ticket=t, policy=policy, updated_at=t.created_at)
    PauseSpan.objects.create(
        tenant=tenant, ticket=t3, started_at=local(5, 11), ended_at=local(5, 13)
    )

    def reply(t, author, at, kind=MessageKind.PUBLIC):
        Message.objects.create(
            tenant=tenant, ticket=t, kind=kind, author_member=author, body="…", created_at=at
        )

    reply(t1, agent_a, local(3, 10))
    reply(t1, agent_a, local(3, 11), MessageKind.INTERNAL)  # a note: not a reply
    Message.objects.create(
        tenant=tenant, ticket=t1, author_customer=c_vip, body="Thanks", created_at=local(3, 12)
    )
    reply(t2, agent_a, local(4, 10))
    reply(t2, agent_a, local(4, 11))
    reply(t3, agent_b, local(5, 10, 30))
    reply(t5, agent_a, local(28, 11, month=2))

    def escalate(t, target, level, at, reason=""):
        Escalation.objects.create(
            tenant=tenant, ticket=t, target=target, level=level, reason=reason, created_at=at
        )

    escalate(t2, Target.FIRST_RESPONSE, Level.BREACH, local(4, 9))
    escalate(t4, Target.FIRST_RESPONSE, Level.WARNING, local(6, 9, 45))
    escalate(t4, Target.FIRST_RESPONSE, Level.BREACH, local(6, 10))
    escalate(
        t3,
        Target.NEXT_RESPONSE,
        Level.RULE,
        local(5, 10),
        "repeat complaint within 30 days; angry wording: 投诉",
    )

    def answer(t, agent, team, at, overall, nps, **dimensions):
        invitation = SurveyInvitation.objects.create(
            tenant=tenant,
            ticket=t,
            customer=t.customer,
            token_nonce=f"n{t.pk}",
            token_hash=f"h{t.pk}",
            expires_at=at + timedelta(days=14),
        )
        SurveyResponse.objects.create(
            tenant=tenant,
            invitation=invitation,
            ticket=t,
            agent=agent,
            team=team,
            tier=t.customer.tier,
            overall=overall,
            nps=nps,
            created_at=at,
            **dimensions,
        )

    answer(t1, agent_a, repair_team, local(4, 9), 5, 10, response_speed=4, resolution=5)
    answer(t2, agent_a, repair_team, local(5, 9), 2, 3, response_speed=2)
    answer(t5, agent_a, repair_team, local(6, 9), 4, 8, response_speed=4)

    def follow_up(t, due, status="pending", done_at=None):
        FollowUp.objects.create(
            tenant=tenant,
            ticket=t,
            customer=t.customer,
            kind="manual",
            assignee=t.assignee,
            due_at=due,
            status=status,
            done_at=done_at,
        )

    follow_up(t1, local(5, 12), "done", local(5, 11))
    follow_up(t2, local(6, 12), "done", local(7, 9))
    follow_up(t3, local(7, 12))
    follow_up(t3, local(7, 15), "cancelled")
    follow_up(t1, local(15, 12))  # after the period

    article = Article.objects.create(
        tenant=tenant, title="Reset the washer", body="…", author=admin
    )
    for at in (local(4, 8), local(8, 20), local(11, 8)):  # the last is after the period
        Deflection.objects.create(tenant=tenant, article=article, query="reset", created_at=at)
    TicketArticleLink.objects.create(tenant=tenant, ticket=t1, article=article)

    rollup_refresh(tenant=tenant, now=NOW)
    return Week(
        tenant=tenant,
        agent_a=agent_a,
        agent_b=agent_b,
        repair=repair_team,
        billing=billing_team,
        vip=vip,
        tickets={"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6},
    )
