"""End to end on the real services: Celery workers and beat on Redis, PostgreSQL.

An unscheduled visit under a six-second on-site promise must get its amber warning, its red
breach and the managers' rung — each recorded once and notified once — while two worker
processes run the SLA sweep at the same time, every half second.
"""

import time

import pytest
from django_scopes import scope

from fieldservice.models import FieldServiceSettings, WorkOrderEscalation, WorkOrderEvent
from helpdesk.models import Notification, Role
from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, SlaPolicy
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.fieldservice.helpers import make_work_order
from tests.sla.live import (
    process_env,
    require_postgres_and_redis,
    start_workers_and_beat,
    stop,
    wait_for,
)
from tests.tickets.helpers import make_ticket
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unscheduled_visit_turns_amber_then_red_exactly_once(tenant_a, agent_a, tmp_path):
    require_postgres_and_redis()
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        # The ticket's own clock is far away; the visit's promise is six seconds.
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Drill",
            calendar=Calendar.objects.get(name="24×7"),
            first_response_minutes=600,
            on_site_minutes="0.10",
        )
        FieldServiceSettings.objects.create(
            tenant=tenant_a, amber_percent=50, manager_after_percent=50
        )
        lead = MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
        )
        MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
        )
        team = TeamFactory(tenant=tenant_a, name="Field", lead=lead)

    env = process_env(tmp_path, HELPDESK_SLA_SWEEP_SECONDS="0.5")
    processes = start_workers_and_beat(tmp_path, env, "fieldsweeper")
    try:
        time.sleep(3)  # let the workers connect before the clock starts
        with scope(tenant=tenant_a):
            ticket = make_ticket(tenant_a, subject="Boiler needs a visit")
            ticket_services.ticket_change_team(ticket=ticket, actor=None, team=team)
            visit = make_work_order(tenant_a, ticket=ticket)
        assert visit.due_at is not None
        assert (visit.due_at - visit.created_at).total_seconds() == pytest.approx(6, abs=0.01)

        def levels():
            with scope(tenant=tenant_a):
                return sorted(
                    WorkOrderEscalation.objects.filter(work_order=visit).values_list(
                        "level", flat=True
                    )
                )

        assert wait_for(lambda: len(levels()) >= 3, timeout=60), (
            tmp_path / "worker1.log"
        ).read_text()[-3000:]
        mails = tmp_path / "mail"
        wait_for(lambda: mails.exists() and len(list(mails.iterdir())) >= 3, timeout=30)
        time.sleep(4)  # several more sweeps: nothing may be added
        assert levels() == ["breach", "manager", "warning"]
        with scope(tenant=tenant_a):
            rows = list(WorkOrderEscalation.objects.filter(work_order=visit).order_by("due_at"))
            visit.refresh_from_db()
            notified = sorted(Notification.objects.values_list("recipient__user__email", flat=True))
            audited = WorkOrderEvent.objects.filter(work_order=visit, action__startswith="target_")
            audited = sorted(audited.values_list("action", flat=True))
        assert [r.level for r in rows] == ["warning", "breach", "manager"]
        assert all(r.created_at >= r.due_at for r in rows)
        assert audited == ["target_breach", "target_manager", "target_warning"]
        assert visit.colour == "red" and visit.next_check_at is None
        # No technician and no assignee yet: amber and red go to the team lead, who dispatches.
        assert notified == ["boss@acme.test", "lead@acme.test", "lead@acme.test"]
        sent = sorted(p.read_text() for p in mails.iterdir())
        assert len(sent) == 3
    finally:
        stop(processes)
