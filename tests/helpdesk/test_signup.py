"""Opening a desk on the platform host: the form answers every e-mail address alike and never
checks a password; the desk is created from the link mailed to the address. Sign-up is
throttled per client address and per e-mail, reserved addresses are refused, and an operator
can close it."""

import re

import pytest
from django.core import mail
from django_scopes import scope

from helpdesk.models import ConfigurationEvent, Membership, Tenant
from tests.conftest import client_for
from tests.factories import PASSWORD

PLATFORM = "localhost"
NEW_PASSWORD = "a-long-enough-pass"


def signup(ip="10.0.0.1", **overrides):
    data = {
        "name": "Initech",
        "slug": "initech",
        "admin_email": "boss@initech.test",
        "password": NEW_PASSWORD,
        "time_zone": "Asia/Shanghai",
        "default_language": "en",
    }
    return client_for(None, PLATFORM).post("/", {**data, **overrides}, REMOTE_ADDR=ip)


def mailed_link(message) -> str:
    return re.search(r"https?://localhost(/signup/confirm/\S+)", message.body)[1]


def without_tokens(html: bytes) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html.decode())


def test_it_answers_alike_whether_the_email_has_an_account(agent_a):
    known = signup(admin_email="agent@acme.test", slug="one")
    unknown = signup(admin_email="someone@initech.test", slug="one")
    assert known.status_code == unknown.status_code == 200
    assert without_tokens(known.content) == without_tokens(unknown.content)
    assert "Check your e-mail" in known.content.decode()
    assert not Tenant.objects.filter(slug="one").exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@acme.test", "someone@initech.test"]


def test_the_sign_up_form_cannot_test_a_password(agent_a):
    right = signup(admin_email="agent@acme.test", password=PASSWORD)
    wrong = signup(admin_email="agent@acme.test", password="not-the-password-1")
    assert without_tokens(right.content) == without_tokens(wrong.content)
    assert not Tenant.objects.filter(slug="initech").exists()


def test_it_creates_the_desk_from_the_mailed_link_with_a_new_admin(db):
    signup()
    assert not Tenant.objects.filter(slug="initech").exists()
    link = mailed_link(mail.outbox[0])
    client = client_for(None, PLATFORM)
    assert client.get(link).status_code == 200
    assert not Tenant.objects.filter(slug="initech").exists()  # nothing on GET
    done = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "http://initech.localhost/accounts/login/" in done.content.decode()
    with scope(tenant=Tenant.objects.get(slug="initech")):
        admin = Membership.objects.get()
        assert admin.user.email == "boss@initech.test"
        # The new desk's audit trail starts with its creation and its first admin.
        creation = ConfigurationEvent.objects.get(target_type="helpdesk.tenant", action="created")
        assert (creation.actor_id, creation.data) == (
            admin.pk,
            {"slug": "initech", "origin": "signup"},
        )
        first_admin = ConfigurationEvent.objects.get(target_type="helpdesk.membership")
        assert first_admin.target_id == str(admin.pk)
        assert first_admin.data == {"email": "boss@initech.test", "role": "admin"}
    login = client_for(None, "initech.localhost").post(
        "/accounts/login/", {"username": "boss@initech.test", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    # The link is spent with the address it reserved.
    assert "This address is taken" in client.post(link, {}).content.decode()


def test_it_lets_an_existing_account_open_a_desk_from_the_mailed_link(agent_a, outsider):
    signup(admin_email="agent@acme.test")
    link = mailed_link(mail.outbox[0])
    client = client_for(None, PLATFORM)
    assert "password1" not in client.get(link).content.decode()
    client.post(link, {"password1": "ignored-pass-99", "password2": "ignored-pass-99"})
    tenant = Tenant.objects.get(slug="initech")
    with scope(tenant=tenant):
        assert Membership.objects.get().user == agent_a.user
    agent_a.user.refresh_from_db()
    assert agent_a.user.check_password(PASSWORD)  # the link never sets an account's password


def test_it_refuses_a_tampered_link(db):
    signup()
    link = mailed_link(mail.outbox[0]).replace("/confirm/", "/confirm/x", 1)
    response = client_for(None, PLATFORM).post(
        link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not Tenant.objects.exists()


def test_it_throttles_sign_up_per_client_address(db, settings):
    for attempt in range(settings.HELPDESK_SIGNUP_RATE_PER_ADDRESS):
        signup(admin_email=f"boss{attempt}@initech.test", ip="10.0.1.1")
    refused = signup(admin_email="late@initech.test", ip="10.0.1.1")
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert len(mail.outbox) == settings.HELPDESK_SIGNUP_RATE_PER_ADDRESS
    assert signup(admin_email="late@initech.test", ip="10.0.1.2").status_code == 200


def test_it_throttles_sign_up_per_email(agent_a, settings):
    for attempt in range(30):
        signup(admin_email="Agent@acme.test", ip=f"10.0.2.{attempt}")
    assert 1 <= len(mail.outbox) <= settings.HELPDESK_SIGNUP_RATE_PER_EMAIL


@pytest.mark.parametrize(
    "slug", ["localhost", "healthz", "www", "api", "admin", "support", "status", "docs", "cdn"]
)
def test_it_refuses_a_reserved_address(db, slug):
    response = signup(slug=slug)
    assert "is reserved" in response.content.decode()
    assert mail.outbox == []
    with pytest.raises(Exception, match="reserved"):
        Tenant(slug=slug, name="X", time_zone="UTC").full_clean()


def test_it_creates_nothing_when_sign_up_is_closed(db, settings):
    settings.HELPDESK_SIGNUP_OPEN = False
    page = client_for(None, PLATFORM).get("/")
    assert "Sign-up is closed" in page.content.decode()
    assert 'name="slug"' not in page.content.decode()
    assert signup().status_code == 403
    assert mail.outbox == []
    assert not Tenant.objects.exists()


def test_it_creates_nothing_from_a_link_once_sign_up_is_closed(db, settings):
    signup()
    link = mailed_link(mail.outbox[0])
    settings.HELPDESK_SIGNUP_OPEN = False
    client_for(None, PLATFORM).post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not Tenant.objects.exists()
