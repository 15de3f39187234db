"""A session belongs to the host it was issued on: a copy of an ``acme`` session cookie is
anonymous on ``globex`` (even for a member of both) and on the platform host, pages and API
alike. Switching tenant goes through the signed hand-over, which signs in afresh."""

from django.conf import settings
from django.test import Client

from helpdesk.models import Role
from tests.conftest import HOST_A, HOST_B, client_for
from tests.factories import PASSWORD, MembershipFactory

PLATFORM = "localhost"


def signed_in_on_acme(email="agent@acme.test") -> str:
    client = client_for()
    assert (
        client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code
        == 302
    )
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def carrying(session_key: str, host: str) -> Client:
    client = client_for(None, host)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def test_it_treats_an_acme_session_as_anonymous_on_globex(agent_a, tenant_b):
    MembershipFactory(tenant=tenant_b, user=agent_a.user, role=Role.ADMIN)
    key = signed_in_on_acme()
    assert carrying(key, HOST_A).get("/").status_code == 200
    on_globex = carrying(key, HOST_B)
    assert on_globex.get("/")["Location"].startswith("/accounts/login/")
    assert on_globex.get("/api/v1/me/").status_code in (401, 403)
    assert on_globex.get("/settings/").status_code == 302
    # The refused copy did not end the session where it belongs.
    assert carrying(key, HOST_A).get("/").status_code == 200


def test_it_treats_an_acme_session_as_anonymous_on_the_platform_host(agent_a):
    key = signed_in_on_acme()
    page = carrying(key, PLATFORM).get("/").content.decode()
    assert "agent@acme.test" not in page
    assert "Sign out" not in page


def test_it_treats_a_session_bound_to_no_host_as_anonymous(agent_a):
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(agent_a.user)  # signed in outside any request to a host
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_it_keeps_the_outsider_out_with_their_own_session(outsider, tenant_a):
    client = client_for(None, HOST_B)
    client.post("/accounts/login/", {"username": "outsider@globex.test", "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert carrying(key, HOST_B).get("/").status_code == 200
    assert carrying(key, HOST_A).get("/").status_code == 302
