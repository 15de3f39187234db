"""Bad input is a JSON 4xx naming the field, never a 500; too many requests is a 429."""

import base64

import pytest
from django.core.management import call_command
from django_scopes import scope

from helpdesk.platform.throttling import TenantRateThrottle
from tests.api.conftest import post_json
from tests.tickets.helpers import make_ticket

TICKETS = "/api/v1/tickets/"


def test_it_answers_malformed_json_with_a_400(api_a):
    response = api_a.post(TICKETS, '{"subject": ', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x", "customer_email": "not-an-email"}, "customer_email"),
        ({"subject": "x", "customer_email": "a@b.test", "priority": "asap"}, "priority"),
        ({"subject": "x", "customer_email": "a@b.test", "category": "abc"}, "category"),
        ({"subject": "x", "customer_email": "a@b.test", "category": 2**70}, "category"),
        ({"subject": "x", "customer_email": "a@b.test", "category": True}, "category"),
        ({"subject": "x", "customer_email": "a@b.test", "tags": {"a": 1}}, "tags"),
        ({"subject": ["x"], "customer_email": "a@b.test"}, "subject"),
        ({"subject": "x" * 201, "customer_email": "a@b.test"}, "subject"),
        (["not", "an", "object"], "non_field_errors"),
    ],
)
def test_it_names_the_field_of_bad_input(api_a, body, field):
    response = post_json(api_a, TICKETS, body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_it_refuses_an_oversized_body_with_a_413(api_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_json(api_a, TICKETS, {"subject": "x", "description": "y" * 2000})
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize("number", ["0", "99999999999999999999999", "abc", "١٢"])
def test_it_answers_404_for_impossible_numbers(api_a, number):
    response = api_a.get(f"{TICKETS}{number}/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("created_after=yesterday", "created_after"),
        ("team=abc", "team"),
        ("assignee=99999999999999999999999", "assignee"),
        ("sla_colour=purple", "sla_colour"),
        ("status=", "status"),
        ("cursor=&unassigned=maybe", "unassigned"),
    ],
)
def test_it_names_a_bad_filter(api_a, query, field):
    response = api_a.get(f"{TICKETS}?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"o=5&p=2026-01-01").decode(),
    ],
)
def test_it_answers_a_tampered_cursor_without_a_server_error(api_a, tenant_a, cursor):
    with scope(tenant=tenant_a):
        make_ticket(tenant_a)
    response = api_a.get(TICKETS, {"cursor": cursor})
    assert response.status_code in (200, 404)
    assert response["Content-Type"] == "application/json"


def test_it_throttles_a_tenant_with_429_and_retry_after(api_a, monkeypatch):
    monkeypatch.setattr(TenantRateThrottle, "THROTTLE_RATES", {"tenant": "3/minute"})
    statuses = [api_a.get(TICKETS).status_code for _ in range(3)]
    refused = api_a.get(TICKETS)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "detail" in refused.json()


def test_it_publishes_a_valid_schema_without_warnings(tmp_path):
    # --fail-on-warn turns every undocumented type or unresolvable field into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    text = (tmp_path / "s.yml").read_text()
    for path in (
        "/api/v1/tickets/:",
        "/api/v1/tickets/{number}/:",
        "/api/v1/tickets/{number}/messages/:",
        "/api/v1/tickets/{number}/events/:",
        "/api/v1/customers/:",
        "/api/v1/customers/{id}/:",
        "/api/v1/organizations/:",
        "/api/v1/tiers/:",
        "/api/v1/categories/:",
        "/api/v1/sla-policies/:",
    ):
        assert path in text, path
    assert "Idempotency-Key" in text


def test_it_serves_the_schema_to_everyone_on_the_tenant_host(tenant_a, client):
    response = client.get("/api/schema/", HTTP_HOST="acme.localhost")
    assert response.status_code == 200
    assert b"/api/v1/tickets/{number}/messages/" in response.content
