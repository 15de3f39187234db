"""The per-token throttle inside the per-tenant one, and the bare ping endpoint."""

from helpdesk.platform.throttling import TenantRateThrottle, TokenRateThrottle
from tests.api.conftest import token_client
from tests.conftest import HOST_A, client_for

PING = "/api/v1/ping/"


def test_it_answers_ping_to_a_member_only(api_a, outsider):
    response = api_a.get(PING)
    assert response.status_code == 200 and response.json() == {"pong": True}
    assert client_for(None).get(PING).status_code == 401
    assert client_for(outsider, HOST_A).get(PING).status_code == 404


def test_it_throttles_one_token_without_stopping_the_others(admin_a, agent_a, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    busy, quiet = token_client(admin_a), token_client(agent_a)
    assert [busy.get(PING).status_code for _ in range(2)] == [200, 200]
    refused = busy.get(PING)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert quiet.get(PING).status_code == 200


def test_it_counts_every_token_against_the_tenant_budget(admin_a, agent_a, monkeypatch):
    monkeypatch.setattr(TenantRateThrottle, "THROTTLE_RATES", {"tenant": "3/minute"})
    first, second = token_client(admin_a), token_client(agent_a)
    assert [first.get(PING).status_code for _ in range(2)] == [200, 200]
    assert second.get(PING).status_code == 200
    refused = second.get(PING)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_it_does_not_token_throttle_a_browser_session(admin_client_a, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1/minute"})
    assert [admin_client_a.get(PING).status_code for _ in range(3)] == [200, 200, 200]
