"""Sessions and password reset: a session id known before sign-in is worthless after it, a
sign-out ends the session on the server, and a reset link works once, for one user, until the
password changes or PASSWORD_RESET_TIMEOUT passes. Nobody learns from the reset form whether
an address has an account."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from helpdesk.models import User
from tests.conftest import client_for
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a-new-long-pass-42"


def sign_in(client, email="agent@acme.test", password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def with_session(key: str):
    client = client_for()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def test_it_gives_a_new_session_id_at_sign_in(agent_a):
    # An attacker's session, planted in the victim's browser before the victim signs in.
    planted = SessionStore()
    planted["kb_voted"] = ["1"]
    planted.create()
    victim = with_session(planted.session_key)
    assert sign_in(victim).status_code == 302
    assert session_key(victim) != planted.session_key
    assert victim.get("/").status_code == 200
    assert not SessionStore().exists(planted.session_key)
    attacker = with_session(planted.session_key)
    assert attacker.get("/")["Location"].startswith(LOGIN)  # not signed in


def test_it_ends_the_session_on_the_server_at_sign_out(agent_a):
    client = client_for()
    sign_in(client)
    signed_in_key = session_key(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert not SessionStore().exists(signed_in_key)
    replay = with_session(signed_in_key)  # a copy of the cookie taken before sign-out
    assert replay.get("/")["Location"].startswith(LOGIN)


# --- password reset ------------------------------------------------------------------------------


def reset_link(user: User, token: str | None = None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/password/reset/{uid}/{token or default_token_generator.make_token(user)}/"


def choose_password(client, link: str):
    """Open the link as the mail's reader does, then submit a new password."""
    form = client.get(link)
    if form.status_code != 302:
        return form  # the page saying the link is invalid
    return client.post(
        form["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def is_refused(response) -> bool:
    return response.status_code == 200 and "This link is invalid or has expired." in (
        response.content.decode()
    )


def test_a_reset_link_works_once(agent_a):
    client_for().post(RESET, {"email": "agent@acme.test"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    assert choose_password(client_for(), link)["Location"] == "/accounts/password/reset/complete/"
    assert sign_in(client_for(), password=NEW_PASSWORD).status_code == 302
    assert is_refused(choose_password(client_for(), link))


def test_a_reset_link_dies_when_the_password_changes(agent_a):
    link = reset_link(agent_a.user)
    agent_a.user.set_password("changed-in-the-meantime-9")
    agent_a.user.save()
    assert is_refused(choose_password(client_for(), link))
    assert sign_in(client_for(), password=NEW_PASSWORD).status_code != 302


def test_a_reset_token_is_good_for_its_own_user_only(agent_a, admin_a):
    token_of_agent = default_token_generator.make_token(agent_a.user)
    assert is_refused(choose_password(client_for(), reset_link(admin_a.user, token_of_agent)))
    assert sign_in(client_for(), "admin@acme.test", NEW_PASSWORD).status_code != 302


@pytest.mark.parametrize(("past_the_timeout", "works"), [(-300, True), (1, False)])
def test_a_reset_link_expires_after_the_timeout(agent_a, monkeypatch, past_the_timeout, works):
    """The token is made while the generator's clock is set back by PASSWORD_RESET_TIMEOUT
    plus ``past_the_timeout`` seconds."""
    seconds = settings.PASSWORD_RESET_TIMEOUT + past_the_timeout
    issued = default_token_generator._now() - timedelta(seconds=seconds)
    with monkeypatch.context() as patch:
        patch.setattr(PasswordResetTokenGenerator, "_now", lambda self: issued)
        link = reset_link(agent_a.user)
    response = choose_password(client_for(), link)
    assert (response.status_code == 302) is works
    assert is_refused(response) is not works


def test_the_reset_form_answers_alike_for_known_and_unknown_addresses(agent_a):
    known = client_for().post(RESET, {"email": "agent@acme.test"}, follow=True)
    unknown = client_for().post(RESET, {"email": "nobody@acme.test"}, follow=True)
    assert len(mail.outbox) == 1  # only the member got mail
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.content) == _without_tokens(unknown.content)


def _without_tokens(html: bytes) -> str:
    """A page with its per-request CSRF tokens blanked out."""
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html.decode())


def test_it_sends_no_reset_link_to_an_account_deactivated_before_the_worker_ran(agent_a):
    from helpdesk.services import password_reset_email_send

    link = {"domain": "acme.localhost", "protocol": "https", "language": "en"}
    User.objects.filter(pk=agent_a.user.pk).update(is_active=False)
    assert password_reset_email_send(user_id=agent_a.user.pk, **link) is False
    assert mail.outbox == []


def test_it_writes_the_reset_mail_in_the_language_of_the_request(agent_a):
    for language in ("zh-hans", "en"):
        client = client_for()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.post(RESET, {"email": "agent@acme.test"})
    chinese, english = mail.outbox
    assert "重置" in chinese.body
    assert "reset the password" in english.body
    assert "/accounts/password/reset/" in chinese.body
