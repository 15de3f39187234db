"""The password-reset form mails a bounded number of links: per e-mail address and per client
address, and its answer says nothing about whether an address has an account."""

import re

from django.core import mail

from tests.conftest import client_for

RESET = "/accounts/password/reset/"


def ask(email, ip="10.0.0.1"):
    return client_for().post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_it_mails_one_address_a_bounded_number_of_times(agent_a, settings):
    for attempt in range(30):
        ask("agent@acme.test", ip=f"10.0.1.{attempt}")
    assert 1 <= len(mail.outbox) <= settings.HELPDESK_PASSWORD_RESET_RATE_PER_EMAIL


def test_it_limits_the_requests_of_one_client_address(agent_a, admin_a, settings):
    for attempt in range(settings.HELPDESK_PASSWORD_RESET_RATE_PER_ADDRESS):
        ask(f"nobody{attempt}@acme.test", ip="10.0.2.1")
    refused = ask("agent@acme.test", ip="10.0.2.1")
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert mail.outbox == []
    assert ask("admin@acme.test", ip="10.0.2.2").status_code == 302
    assert len(mail.outbox) == 1


def test_it_answers_alike_for_known_and_unknown_addresses_once_limited(agent_a, settings):
    answers = {}
    for email in ("agent@acme.test", "nobody@acme.test"):
        for attempt in range(settings.HELPDESK_PASSWORD_RESET_RATE_PER_EMAIL + 1):
            response = ask(email, ip=f"10.0.3.{attempt}")
        answers[email] = (response.status_code, _without_tokens(response.content))
    assert answers["agent@acme.test"] == answers["nobody@acme.test"]
    assert answers["agent@acme.test"][0] == 429


def test_it_does_not_let_an_outsider_spend_a_members_budget_on_another_desk(
    agent_a, outsider, settings
):
    for attempt in range(30):
        client_for(None, "globex.localhost").post(
            RESET, {"email": "outsider@globex.test"}, REMOTE_ADDR=f"10.0.4.{attempt}"
        )
    assert ask("agent@acme.test", ip="10.0.4.200").status_code == 302
    assert [m.to for m in mail.outbox].count(["agent@acme.test"]) == 1


def _without_tokens(html: bytes) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html.decode())
