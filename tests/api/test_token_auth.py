"""An API token stands for one membership: the request acts as it, and only while it is active."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from tests.api.conftest import token_client
from tests.factories import MembershipFactory, UserFactory

PING = "/api/v1/ping/"


def test_it_acts_as_the_tokens_membership_without_looking_it_up_again(tenant_a, agent_a):
    client = token_client(agent_a)
    client.get(PING)  # the first use records last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PING).status_code == 200
    # The token with its membership; the tenant of the host comes from the shared cache.
    assert len(queries) == 1
    me = client.get("/api/v1/me/").json()
    assert (me["email"], me["tenant"], me["role"]) == ("agent@acme.test", "acme", "agent")


def test_it_refuses_the_token_of_a_deactivated_membership(tenant_a, agent_a):
    client = token_client(agent_a)
    assert client.get(PING).status_code == 200
    with scope(tenant=tenant_a):
        agent_a.is_active = False
        agent_a.save(update_fields=["is_active"])
    assert client.get(PING).status_code == 401


def test_it_refuses_a_token_whose_membership_is_in_another_tenant(tenant_a, tenant_b, agent_a):
    # A token row pointing across tenants must not open tenant A for tenant B's member.
    stranger = MembershipFactory(tenant=tenant_b, user=UserFactory(email="x@globex.test"))
    client = token_client(agent_a)
    with scope(tenant=tenant_a):
        token = agent_a.api_tokens.get()
        token.membership_id = stranger.pk
        token.save(update_fields=["membership"])
    assert client.get(PING).status_code == 404


def test_it_records_the_use_of_a_token_last_used_days_ago(tenant_a, agent_a):
    client = token_client(agent_a)
    with scope(tenant=tenant_a):
        token = agent_a.api_tokens.get()
        # A day and ten seconds: timedelta.seconds alone would read 10 and skip the update.
        long_ago = timezone.now() - timedelta(days=1, seconds=10)
        type(token).objects.filter(pk=token.pk).update(last_used_at=long_ago)
    assert client.get(PING).status_code == 200
    with scope(tenant=tenant_a):
        token.refresh_from_db()
    assert token.last_used_at > long_ago + timedelta(days=1)
