"""Incident updates: posted once, mailed once to every linked customer in their language,
through Celery, with progress shown; a task run twice or crashing mid-way sends nothing twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import Notification
from tests.incidents.helpers import CrashingMailBackend, open_incident
from tests.tickets.helpers import make_customer, make_ticket
from tickets.incidents import services as incidents
from tickets.incidents.models import IncidentUpdateDelivery
from tickets.incidents.tasks import send_incident_update


@pytest.fixture
def incident(tenant_a, admin_a):
    """Three tickets of two customers (Li Lei twice, Chinese-speaking Zhang Wei once)."""
    incident = open_incident(tenant_a, admin_a)
    li = make_customer(tenant_a, email="li.lei@example.test")
    zhang = make_customer(tenant_a, email="zhang.wei@example.test")
    zhang.language = "zh-hans"
    zhang.save(update_fields=["language"])
    tickets = [make_ticket(tenant_a, customer=c) for c in (li, li, zhang)]
    incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=tickets)
    mail.outbox.clear()
    return incident


def _post(incident, actor, body="Engineers are on it."):
    return incidents.incident_update_post(incident=incident, actor=actor, body=body)


def _mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_it_mails_every_linked_customer_once_in_their_language(
    incident, admin_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(incident, admin_a)
    (english,) = _mails_to("li.lei@example.test")
    (chinese,) = _mails_to("zhang.wei@example.test")
    assert "Engineers are on it." in english.body and "Status:" in english.body
    assert "Engineers are on it." in chinese.body and "状态" in chinese.body
    assert len(mail.outbox) == 2


def test_it_sends_nothing_twice_when_the_task_runs_again(incident, admin_a, tenant_a):
    update = _post(incident, admin_a)  # on-commit callbacks not run: the task is ours to run
    assert send_incident_update.delay(tenant_id=tenant_a.pk, update_id=update.pk).get() == 2
    assert send_incident_update.delay(tenant_id=tenant_a.pk, update_id=update.pk).get() == 0
    assert len(mail.outbox) == 2


def test_it_finishes_after_a_crash_without_sending_anyone_twice(
    incident, admin_a, tenant_a, settings
):
    update = _post(incident, admin_a)
    settings.EMAIL_BACKEND = "tests.incidents.helpers.CrashingMailBackend"
    CrashingMailBackend.allowed = 1
    with pytest.raises(RuntimeError):
        incidents.incident_update_send(tenant=tenant_a, update_id=update.pk)
    assert len(mail.outbox) == 1
    assert IncidentUpdateDelivery.objects.filter(sent_at__isnull=False).count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert incidents.incident_update_send(tenant=tenant_a, update_id=update.pk) == 1
    assert incidents.incident_update_send(tenant=tenant_a, update_id=update.pk) == 0
    assert len(_mails_to("li.lei@example.test")) == 1
    assert len(_mails_to("zhang.wei@example.test")) == 1


def test_it_catches_up_an_update_whose_task_never_ran(incident, admin_a, tenant_a):
    update = _post(incident, admin_a)
    IncidentUpdateDelivery.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert incidents.incident_deliveries_catch_up(tenant=tenant_a) == 2
    assert incidents.incident_deliveries_catch_up(tenant=tenant_a) == 0
    assert update.deliveries.filter(sent_at__isnull=True).count() == 0


def test_it_mails_a_second_update_again(incident, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(incident, admin_a, "First")
        _post(incident, admin_a, "Second")
    assert len(_mails_to("li.lei@example.test")) == 2


def test_it_shows_the_agent_how_many_were_sent(incident, admin_a, tenant_a, admin_client_a):
    update = _post(incident, admin_a)
    url = reverse("incident_update_progress", args=[incident.pk, update.pk])
    waiting = admin_client_a.get(url).content.decode()
    assert "sent to 0 of 2 customers" in waiting and "hx-trigger" in waiting
    incidents.incident_update_send(tenant=tenant_a, update_id=update.pk)
    done = admin_client_a.get(url).content.decode()
    assert "sent to 2 of 2 customers" in done and "hx-trigger" not in done


def test_it_posts_an_update_from_the_incident_page(
    incident, admin_client_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            reverse("incident_update_post", args=[incident.pk]),
            {"body": "Fix deployed, watching.", "status": "monitoring"},
        )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "monitoring" and incident.first_update_at is not None
    assert len(mail.outbox) == 2


def test_an_agent_cannot_post_an_update(incident, agent_client_a):
    url = reverse("incident_update_post", args=[incident.pk])
    assert agent_client_a.post(url, {"body": "x", "status": "identified"}).status_code == 404
    assert incident.updates.count() == 0


def test_a_drill_mails_nobody(tenant_a, admin_a, django_capture_on_commit_callbacks):
    drill = open_incident(tenant_a, admin_a, is_drill=True)
    ticket = make_ticket(tenant_a)
    incidents.incident_link_tickets(incident=drill, actor=admin_a, tickets=[ticket])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _post(drill, admin_a)
    assert mail.outbox == [] and IncidentUpdateDelivery.objects.count() == 0


def test_it_escalates_a_missing_first_update_once(incident, admin_a, manager_a, tenant_a):
    later = incident.opened_at + timedelta(minutes=31)
    assert incidents.incidents_escalate_overdue(tenant=tenant_a, now=later) == 1
    assert incidents.incidents_escalate_overdue(tenant=tenant_a, now=later) == 0
    assert Notification.objects.filter(recipient=manager_a).count() == 1
    assert Notification.objects.filter(recipient=admin_a).count() == 1  # the owner


def test_it_does_not_escalate_an_incident_updated_in_time(incident, admin_a, tenant_a):
    _post(incident, admin_a)
    later = incident.opened_at + timedelta(minutes=31)
    assert incidents.incidents_escalate_overdue(tenant=tenant_a, now=later) == 0
    assert not incidents.incidents_escalate_overdue(tenant=tenant_a, now=later)
