"""Redis stopped: tickets are still accepted (nothing lost, a clear log line, /healthz says
degraded); when it is back, the sweeps catch up every missed warning, breach and e-mail once.

The web server runs in its own process pointed at a broker address where nothing listens —
to the application that is exactly a stopped Redis — while the database is the real one.
"""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from customers.models import CustomerEmail
from helpdesk.models import Notification, Role
from helpdesk.services import tenant_seed_defaults
from helpdesk.tasks import catch_up_notification_emails
from sla.models import Calendar, Escalation, SlaPolicy
from sla.sweeper import sweep_due
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.faults.web import WebServer
from tests.sla.live import process_env, require_postgres_and_redis
from tickets.models import Ticket
from tickets.tasks import catch_up_customer_emails

pytestmark = pytest.mark.django_db(transaction=True)
TICKETS = 5


def test_tickets_are_accepted_while_the_broker_is_down_and_the_sweeps_catch_up(
    tenant_a, agent_a, tmp_path, settings
):
    require_postgres_and_redis()
    # The server process uses the production hasher; store the password with it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    agent_a.user.set_password(PASSWORD)
    agent_a.user.save(update_fields=["password"])
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Drill",
            first_response_minutes="0.05",
            calendar=Calendar.objects.get(name="24×7"),
        )
        lead = MembershipFactory(
            tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
        )
        team = TeamFactory(tenant=tenant_a, name="Desk", lead=lead)
        team.members.add(agent_a)

    env = process_env(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    with WebServer(env, tmp_path / "web.log") as web:
        status, body, _headers = web.client("127.0.0.1").request("/healthz")
        assert status == 503
        assert json.loads(body) == {"database": "ok", "broker": "unavailable", "status": "degraded"}

        browser = web.client("acme.localhost")
        browser.login("agent@acme.test", PASSWORD)
        numbers = []
        for i in range(TICKETS):
            status, _page, headers = browser.post_form(
                "/tickets/new/",
                {
                    "customer_email": f"caller{i}@example.test",
                    "customer_name": f"Caller {i}",
                    "subject": f"Boiler fault {i}",
                    "priority": "normal",
                    "channel": "phone",
                },
            )
            assert status == 302, _page[:2000]
            numbers.append(int(re.search(r"/tickets/(\d+)/", headers["Location"]).group(1)))
        status, body, _headers = browser.request("/healthz")
    log = (tmp_path / "web.log").read_text()
    assert "broker unavailable" in log, log[-3000:]

    assert numbers == list(range(1, TICKETS + 1))  # every one accepted, numbers gap-free
    with scope(tenant=tenant_a):
        assert Ticket.objects.count() == TICKETS
        for ticket in Ticket.objects.all():
            services_assign(ticket, team, agent_a)

    # The broker is back (this process has the real one): the sweep records what came due
    # while it was away, once, and the e-mail catch-up mails each notification once.
    import time

    time.sleep(5)  # 3 s target, manager rung at 4.5 s
    mail.outbox.clear()
    assert sweep_due(now=timezone.now()) == TICKETS
    assert sweep_due(now=timezone.now()) == 0
    with scope(tenant=tenant_a):
        rows = list(Escalation.objects.values_list("ticket_id", "level"))
        assert len(rows) == len(set(rows)) == TICKETS * 3
        Notification.objects.update(
            emailed_at=None, created_at=timezone.now() - timedelta(minutes=5)
        )
    catch_up_notification_emails.apply()
    sent = len(mail.outbox)
    catch_up_notification_emails.apply()
    assert sent == len(mail.outbox) > 0
    # The customers' "request received" e-mails, owed since the outage, go out once each.
    with scope(tenant=tenant_a):
        CustomerEmail.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    mail.outbox.clear()
    catch_up_customer_emails.apply()
    catch_up_customer_emails.apply()
    received = sorted(m.to[0] for m in mail.outbox)
    assert received == sorted(f"caller{i}@example.test" for i in range(TICKETS))


def services_assign(ticket, team, agent):
    from tickets import services

    services.ticket_change_team(ticket=ticket, actor=None, team=team)
    services.ticket_assign(ticket=ticket, actor=None, assignee=agent)
