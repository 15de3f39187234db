"""End to end on the real services: Celery workers and beat on Redis, PostgreSQL.

A ticket under a six-second first-response policy must get its warning, breach and manager
escalation — each recorded once and notified (in-app and by e-mail) once — while two worker
processes sweep at the same time, every half second.
"""

import time

import pytest
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import Notification, Role
from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, Escalation, SlaPolicy
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.sla.live import (
    process_env,
    require_postgres_and_redis,
    start_workers_and_beat,
    stop,
    wait_for,
)
from tests.tickets.helpers import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_seconds_long_policy_warns_breaches_and_escalates_exactly_once(
    tenant_a, agent_a, tmp_path
):
    require_postgres_and_redis()
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Drill",
            calendar=Calendar.objects.get(name="24×7"),
            first_response_minutes="0.10",
            amber_percent=50,
            manager_after_percent=50,
        )
        lead = MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
        )
        MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
        )
        team = TeamFactory(tenant=tenant_a, name="Desk", lead=lead)
        team.members.add(agent_a)

    env = process_env(tmp_path, HELPDESK_SLA_SWEEP_SECONDS="0.5")
    processes = start_workers_and_beat(tmp_path, env)
    try:
        time.sleep(3)  # let the workers connect before the clock starts
        with scope(tenant=tenant_a):
            ticket = make_ticket(tenant_a, subject="Dishwasher error E24")
            services.ticket_change_team(ticket=ticket, actor=None, team=team)
            services.ticket_assign(ticket=ticket, actor=None, assignee=agent_a)
        created = timezone.now()

        def levels():
            with scope(tenant=tenant_a):
                return sorted(
                    Escalation.objects.filter(ticket=ticket).values_list("level", flat=True)
                )

        assert wait_for(lambda: len(levels()) >= 3, timeout=60), (
            tmp_path / "worker1.log"
        ).read_text()[-3000:]
        mails = tmp_path / "mail"
        wait_for(lambda: mails.exists() and len(list(mails.iterdir())) >= 3, timeout=30)
        time.sleep(4)  # several more sweeps: nothing may be added
        assert levels() == ["breach", "manager", "warning"]
        with scope(tenant=tenant_a):
            rows = list(Escalation.objects.filter(ticket=ticket).order_by("due_at"))
            notified = sorted(Notification.objects.values_list("recipient__user__email", flat=True))
        assert [r.level for r in rows] == ["warning", "breach", "manager"]
        assert all(r.created_at >= r.due_at for r in rows)
        assert (rows[1].due_at - created).total_seconds() < 7
        assert notified == ["agent@acme.test", "boss@acme.test", "lead@acme.test"]
        sent = sorted(p.read_text() for p in mails.iterdir())
        assert len(sent) == 3
        assert sum("lead@acme.test" in text for text in sent) == 1
    finally:
        stop(processes)
