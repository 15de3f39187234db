"""Incident pages: outsiders get 404 on every one; customers see the notice with the expected
recovery time on the portal and the web form; agents see a banner in the workspace."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.incidents.helpers import incident_objects, open_incident
from tests.url_catalogue import SAMPLE_KWARGS, tenant_routes
from tickets import services
from tickets.incidents.services import incident_resolve

INCIDENT_URL_PREFIXES = ("incident_", "playbook_", "surge_", "backlog_")


@pytest.fixture
def objects(tenant_a, admin_a):
    ticket = services.ticket_create(
        tenant=tenant_a, customer=CustomerFactory(tenant=tenant_a), subject="Cannot pay"
    )
    return incident_objects(tenant_a, admin_a, ticket)


def _incident_urls(objects):
    for route in tenant_routes():
        if route.name.startswith(INCIDENT_URL_PREFIXES):
            kwargs = SAMPLE_KWARGS[route.name](objects) if route.params else {}
            yield route.name, reverse(route.name, kwargs=kwargs)


def test_it_returns_404_to_an_outsider_on_every_incident_page(objects, outsider_client):
    urls = list(_incident_urls(objects))
    assert len(urls) >= 18
    leaks = [
        (name, method, status)
        for name, url in urls
        for method in ("get", "post")
        if (status := getattr(outsider_client, method)(url).status_code) != 404
    ]
    assert leaks == []


def test_it_does_not_change_anything_on_get(objects, admin_client_a):
    incident = objects["incident"]
    for name in ("incident_resolve", "incident_update_post", "incident_step_done"):
        url = reverse(name, kwargs=SAMPLE_KWARGS[name](objects))
        assert admin_client_a.get(url).status_code == 405
    incident.refresh_from_db()
    assert incident.is_open and not incident.steps.filter(done_at__isnull=False).exists()


def test_the_portal_and_the_web_form_show_the_expected_recovery_time(tenant_a, admin_a, client):
    recovery = timezone.now() + timedelta(hours=3)
    open_incident(tenant_a, admin_a, title="App login outage", expected_recovery_at=recovery)
    page = client.get("/support/", HTTP_HOST="acme.localhost").content.decode()
    local = recovery.astimezone(ZoneInfo(tenant_a.time_zone)).strftime("%Y-%m-%d %H:%M")
    assert "App login outage" in page and local in page
    assert 'name="subject"' in page  # the notice is on the web form itself


def test_the_portal_shows_no_drill_and_no_resolved_incident(tenant_a, admin_a, client):
    open_incident(tenant_a, admin_a, title="Quarterly drill", is_drill=True)
    resolved = open_incident(tenant_a, admin_a, title="Old outage")
    incident_resolve(incident=resolved, actor=admin_a, message="Fixed")
    page = client.get("/support/", HTTP_HOST="acme.localhost").content.decode()
    assert "Quarterly drill" not in page and "Old outage" not in page


def test_the_workspace_shows_a_banner_while_an_incident_is_open(tenant_a, admin_a, agent_client_a):
    incident = open_incident(tenant_a, admin_a, title="App login outage")
    page = agent_client_a.get(reverse("ticket_queue")).content.decode()
    assert "App login outage" in page
    assert reverse("incident_detail", args=[incident.pk]) in page


def test_an_owner_edits_the_expected_recovery(tenant_a, admin_a, admin_client_a):
    incident = open_incident(tenant_a, admin_a)
    response = admin_client_a.post(
        reverse("incident_edit", args=[incident.pk]),
        {
            "title": "Payment gateway down",
            "severity": "critical",
            "keywords": "payment",
            "expected_recovery_at": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity == "critical"
    assert incident.expected_recovery_at.astimezone(ZoneInfo("Asia/Shanghai")).hour == 10


def test_the_list_and_detail_render_for_an_agent(objects, agent_client_a):
    assert agent_client_a.get(reverse("incident_list")).status_code == 200
    page = agent_client_a.get(reverse("incident_detail", args=[objects["incident"].pk]))
    assert page.status_code == 200
    assert "Post update" not in page.content.decode()  # agents do not command incidents
