"""The sign-in lockout: one failure budget per account, however the e-mail is typed, and one per
client address, on every way in (the sign-in form, and so the API's session)."""

import pytest

from tests.conftest import client_for
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def login(email, password=PASSWORD, ip="10.0.0.1"):
    return client_for().post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


SPELLINGS = ("agent@acme.test", "Agent@acme.test", "AGENT@ACME.TEST", " agent@acme.test ")


def test_it_locks_the_account_whatever_the_case_or_spacing_of_the_email(agent_a, admin_a):
    for attempt in range(20):
        login(SPELLINGS[attempt % len(SPELLINGS)], "wrong", ip=f"10.0.1.{attempt}")
    # The right password, from an address that never failed, no longer helps...
    locked = login("agent@acme.test", ip="10.0.2.1")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # ...while the team mate's account is untouched.
    assert login("admin@acme.test", ip="10.0.2.1").status_code == 302


def test_it_locks_an_address_that_guesses_across_many_accounts(agent_a, settings):
    for attempt in range(settings.HELPDESK_LOGIN_IP_FAILURE_LIMIT):
        login(f"guess{attempt}@acme.test", "wrong", ip="10.0.3.1")
    assert login("agent@acme.test", ip="10.0.3.1").status_code == 429
    assert login("agent@acme.test", ip="10.0.3.2").status_code == 302


def test_a_sign_in_to_ones_own_account_does_not_clear_failures_against_another(
    agent_a, admin_a, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login("admin@acme.test", "wrong", ip="10.0.4.1")
    assert login("agent@acme.test", ip="10.0.4.1").status_code == 302
    login("admin@acme.test", "wrong", ip="10.0.4.1")
    assert login("admin@acme.test", ip="10.0.4.2").status_code == 429


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_it_refuses_the_api_session_of_a_locked_account(agent_a, settings, spelling):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(spelling, "wrong", ip="10.0.5.1")
    client = client_for()
    client.post(LOGIN, {"username": "agent@acme.test", "password": PASSWORD})
    assert client.get("/api/v1/me/").status_code in (401, 403)
