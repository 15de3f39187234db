"""The complaint surge detector: managers hear once per category and hour window, never below
the minimum count or the tenant's multiple of the usual rate."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import Notification
from tests.factories import TicketFactory
from tests.tickets.helpers import make_category
from tickets.incidents.models import IncidentTicket, SurgeAlert
from tickets.incidents.surge import surge_settings_save, surges_detect

NOW = timezone.now().replace(minute=40, second=0, microsecond=0)


@pytest.fixture
def complaints(tenant_a):
    category = make_category(tenant_a, name="Billing complaints", is_complaint=True)
    surge_settings_save(tenant=tenant_a, multiplier=3, trailing_days=1, minimum_count=5)
    return category


def _tickets(tenant, category, count, *, minutes_ago):
    for n in range(count):
        TicketFactory(
            tenant=tenant, category=category, created_at=NOW - timedelta(minutes=minutes_ago + n)
        )


def test_it_alerts_the_managers_once_per_window(tenant_a, complaints, manager_a):
    _tickets(tenant_a, complaints, 6, minutes_ago=1)
    (alert,) = surges_detect(tenant=tenant_a, now=NOW)
    assert alert.ticket_count == 6 and alert.category == complaints
    assert surges_detect(tenant=tenant_a, now=NOW + timedelta(minutes=10)) == []
    (notice,) = Notification.objects.filter(recipient=manager_a)
    assert "Billing complaints" in notice.text
    assert notice.url == f"{reverse('incident_create')}?surge={alert.pk}"
    assert SurgeAlert.objects.count() == 1


def test_it_alerts_again_in_the_next_hour_window(tenant_a, complaints, manager_a):
    _tickets(tenant_a, complaints, 6, minutes_ago=1)
    surges_detect(tenant=tenant_a, now=NOW)
    _tickets(tenant_a, complaints, 6, minutes_ago=-30)  # half an hour later, a new wave
    assert len(surges_detect(tenant=tenant_a, now=NOW + timedelta(minutes=35))) == 1


def test_it_stays_quiet_below_the_minimum_count(tenant_a, complaints, manager_a):
    _tickets(tenant_a, complaints, 4, minutes_ago=1)
    assert surges_detect(tenant=tenant_a, now=NOW) == []
    assert Notification.objects.count() == 0


def test_it_stays_quiet_at_the_usual_rate(tenant_a, complaints, manager_a):
    _tickets(tenant_a, complaints, 48, minutes_ago=70)  # 2 an hour the day before
    _tickets(tenant_a, complaints, 6, minutes_ago=1)  # 6 is not more than 3 × 2
    assert surges_detect(tenant=tenant_a, now=NOW) == []
    _tickets(tenant_a, complaints, 1, minutes_ago=20)
    assert len(surges_detect(tenant=tenant_a, now=NOW)) == 1


def test_it_stays_quiet_when_switched_off(tenant_a, complaints):
    surge_settings_save(tenant=tenant_a, is_enabled=False)
    _tickets(tenant_a, complaints, 10, minutes_ago=1)
    assert surges_detect(tenant=tenant_a, now=NOW) == []


def test_the_prefilled_form_opens_an_incident_with_the_surge_tickets(
    tenant_a, complaints, manager_a, manager_client_a
):
    _tickets(tenant_a, complaints, 6, minutes_ago=1)
    (alert,) = surges_detect(tenant=tenant_a, now=NOW)
    form = manager_client_a.get(f"{reverse('incident_create')}?surge={alert.pk}")
    assert "Surge of “Billing complaints” tickets" in form.content.decode()
    response = manager_client_a.post(
        reverse("incident_create"),
        {
            "title": "Billing surge",
            "severity": "major",
            "category": complaints.pk,
            "surge": alert.pk,
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.incident is not None and alert.incident.title == "Billing surge"
    assert IncidentTicket.objects.filter(incident=alert.incident).count() == 6


def test_only_managers_and_admins_see_the_surge_page(agent_client_a, manager_client_a):
    assert agent_client_a.get(reverse("surge_alerts")).status_code == 404
    assert manager_client_a.get(reverse("surge_alerts")).status_code == 200
