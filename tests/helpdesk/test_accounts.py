"""Sign-in, lockout, password reset and switching between tenants."""

import re

from django.core import mail

from helpdesk.models import Role
from tests.conftest import HOST_A, client_for
from tests.factories import PASSWORD, MembershipFactory

LOGIN = "/accounts/login/"


def login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_it_signs_in_a_member_by_email(agent_a):
    client = client_for()
    response = login(client, "AGENT@acme.test")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_valid_account_that_is_not_a_member(outsider, tenant_a):
    response = login(client_for(), "outsider@globex.test")
    assert response.status_code == 200
    assert "no access to this service desk" in response.content.decode()


def test_it_redirects_anonymous_visitors_to_sign_in(tenant_a):
    response = client_for().get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_locks_the_account_out_after_repeated_failures(agent_a, admin_a, settings):
    client = client_for()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "agent@acme.test", "wrong").status_code == 200
    assert login(client, "agent@acme.test", "wrong").status_code == 429
    locked = login(client, "agent@acme.test")  # the right password no longer helps
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The budget is the account's, whatever the address; the team mate's account is untouched.
    assert login(client_for(), "agent@acme.test", ip="10.0.0.2").status_code == 429
    assert login(client_for(), "admin@acme.test", ip="10.0.0.2").status_code == 302


def test_it_lets_a_locked_out_user_in_after_the_cool_off(agent_a, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    client = client_for()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent@acme.test", "wrong")
    assert login(client, "agent@acme.test").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)
    assert login(client, "agent@acme.test").status_code == 302


def test_it_mails_a_reset_link_on_the_tenant_host_to_members_only(agent_a, outsider):
    client = client_for()
    client.post("/accounts/password/reset/", {"email": "outsider@globex.test"})
    assert mail.outbox == []
    client.post("/accounts/password/reset/", {"email": "agent@acme.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://(\S+?)(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link.group(1) == HOST_A
    form_url = client.get(link.group(2)).url
    response = client.post(
        form_url, {"new_password1": "a-new-long-pass-42", "new_password2": "a-new-long-pass-42"}
    )
    assert response.status_code == 302
    assert login(client_for(), "agent@acme.test", "a-new-long-pass-42").status_code == 302


def test_it_changes_the_password(agent_client_a):
    response = agent_client_a.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pass-7",
            "new_password2": "another-long-pass-7",
        },
    )
    assert response.status_code == 302
    assert login(client_for(), "agent@acme.test", "another-long-pass-7").status_code == 302


def test_it_signs_out_on_post_only(agent_client_a):
    assert agent_client_a.get("/accounts/logout/").status_code == 405
    agent_client_a.post("/accounts/logout/")
    assert agent_client_a.get("/").status_code == 302


def test_it_switches_to_another_tenant_of_the_same_user(agent_a, tenant_b):
    MembershipFactory(tenant=tenant_b, user=agent_a.user, role=Role.MANAGER)
    client_a = client_for(agent_a)
    page = client_a.get("/accounts/tenants/").content.decode()
    assert "Globex" in page
    handover = client_a.post("/accounts/switch/", {"tenant": "globex"})
    assert handover.status_code == 302
    url = handover["Location"]
    assert url.startswith("http://globex.localhost/accounts/switch/accept/?token=")
    token = url.split("token=", 1)[1]
    client_b = client_for(None, "globex.localhost")
    assert client_b.get("/").status_code == 302  # not signed in on B yet
    assert client_b.get(f"/accounts/switch/accept/?token={token}").status_code == 200
    assert client_b.get("/").status_code == 302  # GET changes nothing
    assert client_b.post("/accounts/switch/accept/", {"token": token}).status_code == 302
    assert client_b.get("/").status_code == 200
    # The token is single-use.
    replay = client_for(None, "globex.localhost").post("/accounts/switch/accept/", {"token": token})
    assert replay["Location"] == LOGIN


def test_it_refuses_to_switch_to_a_tenant_the_user_is_not_in(agent_client_a, tenant_b):
    response = agent_client_a.post("/accounts/switch/", {"tenant": "globex"})
    assert response["Location"] == "/accounts/tenants/"


def test_it_shows_an_agent_no_settings(agent_client_a, tenant_a):
    assert agent_client_a.get("/settings/").status_code == 404
    assert agent_client_a.get("/settings/api-tokens/").status_code == 404
