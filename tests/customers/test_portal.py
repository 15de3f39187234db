"""The customer portal without a browser: web form → e-mail with link → follow → reply."""

import time
from unittest import mock

import pytest
from django.core import mail, signing
from django_scopes import scope

from customers import tokens
from customers.models import Customer, PortalNotice
from tests.conftest import HOST_B, client_for
from tests.customers.helpers import SIGN_IN_LINK, clear_rate_limits, link_in, photo, web_form
from tests.tickets.helpers import make_customer, make_ticket
from tickets import services
from tickets.models import Channel, Message, Status, Ticket


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    clear_rate_limits()
    yield
    clear_rate_limits()


def submit(client, capture, **overrides):
    with capture(execute=True):
        return client.post("/support/", web_form(**overrides))


def test_it_runs_the_whole_portal_flow(tenant_a, agent_a, django_capture_on_commit_callbacks):
    visitor = client_for()
    assert 'name="subject"' in visitor.get("/support/").content.decode()

    response = submit(visitor, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    confirmation = visitor.get(response["Location"]).content.decode()
    assert "#1" in confirmation and "/support/t/" in confirmation

    (received,) = mail.outbox
    assert received.to == ["han.meimei@example.cn"]
    assert "#1" in received.subject
    follow = link_in(received)
    assert "Fridge not cooling" in visitor.get(follow).content.decode()

    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert ticket.channel == Channel.WEB and ticket.customer.email == "han.meimei@example.cn"
        services.ticket_reply(ticket=ticket, actor=agent_a, body="Please check the plug.")
        services.ticket_reply(ticket=ticket, actor=agent_a, body="SECRET-NOTE", internal=True)
        services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.RESOLVED)
    page = visitor.get(follow).content.decode()
    assert "Please check the plug." in page and "SECRET-NOTE" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(
            follow + "reply/", {"body": "Still warm, see photo.", "attachments": [photo()]}
        )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN and ticket.reopened_count == 1
        message = Message.objects.get(body="Still warm, see photo.")
        assert message.author_customer == ticket.customer
        attachment = message.attachments.get()
    download = visitor.get(f"{follow}files/{attachment.pk}/")
    # A PNG is shown inline (tests/security/test_uploads.py covers every other type).
    assert download.status_code == 200 and download["Content-Disposition"].startswith("inline")


def test_it_finds_the_existing_customer_by_email(tenant_a, django_capture_on_commit_callbacks):
    with scope(tenant=tenant_a):
        known = make_customer(tenant_a, email="han.meimei@example.cn")
    submit(client_for(), django_capture_on_commit_callbacks, email="Han.Meimei@example.cn")
    with scope(tenant=tenant_a):
        assert Customer.objects.count() == 1
        assert Ticket.objects.get().customer == known


def test_it_shows_clear_field_errors_and_creates_nothing(tenant_a):
    response = client_for().post("/support/", web_form(name="", email="not-an-address"))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_name_errors"' in page and 'id="id_email_errors"' in page
    assert 'role="alert"' in page
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_it_creates_nothing_when_the_honeypot_is_filled(
    tenant_a, django_capture_on_commit_callbacks
):
    response = submit(client_for(), django_capture_on_commit_callbacks, website="http://spam")
    assert response.status_code == 200
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists() and not Customer.objects.exists()
    assert mail.outbox == []


def test_it_answers_429_over_the_hourly_limit_per_address(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    settings.HELPDESK_PORTAL_RATE_PER_HOUR = 2
    visitor = client_for()
    for _ in range(2):
        assert submit(visitor, django_capture_on_commit_callbacks).status_code == 302
    refused = submit(visitor, django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    with scope(tenant=tenant_a):
        assert Ticket.objects.count() == 2
    other_address = client_for()
    other_address.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert submit(other_address, django_capture_on_commit_callbacks).status_code == 302


def test_it_rate_limits_sign_in_link_requests_too(tenant_a, settings):
    settings.HELPDESK_PORTAL_RATE_PER_HOUR = 1
    visitor = client_for()
    assert visitor.post("/support/sign-in/", {"email": "a@example.cn"}).status_code == 200
    assert visitor.post("/support/sign-in/", {"email": "a@example.cn"}).status_code == 429


@pytest.fixture
def ticket_a(tenant_a):
    with scope(tenant=tenant_a):
        return make_ticket(tenant_a, subject="Dishwasher error E4")


def follow_path(tenant_id, ticket_id) -> str:
    return f"/support/t/{tokens.follow_token(tenant_id=tenant_id, ticket_id=ticket_id)}/"


def test_it_gives_nothing_for_a_forged_link(ticket_a, tenant_a):
    genuine = tokens.follow_token(tenant_id=tenant_a.pk, ticket_id=ticket_a.pk)
    forged = [
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        signing.dumps({"t": tenant_a.pk, "k": ticket_a.pk}, salt="another purpose"),
        str(ticket_a.number),
    ]
    visitor = client_for()
    for token in forged:
        assert visitor.get(f"/support/t/{token}/").status_code == 404
        assert visitor.post(f"/support/t/{token}/reply/", {"body": "hi"}).status_code == 404
    with scope(tenant=tenant_a):
        assert not Message.objects.filter(body="hi").exists()


def test_it_says_an_expired_link_has_expired(ticket_a, tenant_a, settings):
    long_ago = time.time() - (settings.HELPDESK_PORTAL_LINK_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        path = follow_path(tenant_a.pk, ticket_a.pk)
    visitor = client_for()
    response = visitor.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Dishwasher" not in response.content.decode()
    assert visitor.post(path + "reply/", {"body": "late"}).status_code == 410
    with scope(tenant=tenant_a):
        assert not Message.objects.filter(body="late").exists()


def test_it_gives_nothing_for_a_link_of_tenant_a_on_tenant_bs_host(ticket_a, tenant_a, tenant_b):
    on_b = client_for(None, HOST_B)
    assert on_b.get(follow_path(tenant_a.pk, ticket_a.pk)).status_code == 404
    # Even a link signed for tenant B that names A's ticket finds nothing in B's scope.
    assert on_b.get(follow_path(tenant_b.pk, ticket_a.pk)).status_code == 404
    assert (
        on_b.post(follow_path(tenant_b.pk, ticket_a.pk) + "reply/", {"body": "x"}).status_code
        == 404
    )


def test_it_signs_a_customer_in_once_by_emailed_link(
    ticket_a, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    visitor = client_for()
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post("/support/sign-in/", {"email": "li.lei@example.test"})
    assert "Check your e-mail" in response.content.decode()
    path = link_in(mail.outbox[-1], SIGN_IN_LINK)

    assert visitor.get("/support/mine/").status_code == 302  # not signed in yet
    assert visitor.get(path).status_code == 200  # a confirmation; GET changes nothing
    response = visitor.post(path)
    assert response.status_code == 302 and response["Location"] == "/support/mine/"
    mine = visitor.get("/support/mine/").content.decode()
    assert "Dishwasher error E4" in mine and "/support/t/" in mine

    second = client_for()
    assert second.post(path).status_code == 410  # single use
    assert client_for(None, HOST_B).post(path).status_code == 404  # and never on tenant B
    assert visitor.get(path[:-3] + "xx/").status_code == 404  # forged


def test_it_keeps_the_portal_session_to_its_tenant(
    ticket_a, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    visitor = client_for()
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/support/sign-in/", {"email": "li.lei@example.test"})
    visitor.post(link_in(mail.outbox[-1], SIGN_IN_LINK))
    visitor.defaults["HTTP_HOST"] = HOST_B
    assert visitor.get("/support/mine/").status_code == 302


def test_it_answers_the_same_for_an_unknown_address(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for().post("/support/sign-in/", {"email": "nobody@example.cn"})
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_it_shows_the_tenants_current_notices_only(tenant_a, tenant_b):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    PortalNotice.objects.create(tenant=tenant_a, text="Hotline down until 18:00")
    PortalNotice.objects.create(tenant=tenant_a, text="Old outage", ends_at=now - timedelta(1))
    PortalNotice.objects.create(tenant=tenant_a, text="Switched off", is_active=False)
    PortalNotice.objects.create(tenant=tenant_b, text="Globex maintenance")
    page = client_for().get("/support/").content.decode()
    assert "Hotline down until 18:00" in page
    assert "Old outage" not in page and "Switched off" not in page
    assert "Globex maintenance" not in page


def test_it_speaks_chinese_when_chosen(tenant_a):
    visitor = client_for()
    visitor.post("/i18n/setlang/", {"language": "zh-hans", "next": "/support/"})
    assert 'lang="zh-hans"' in visitor.get("/support/").content.decode()


def test_it_says_an_expired_sign_in_link_has_expired(ticket_a, tenant_a, settings):
    with scope(tenant=tenant_a):
        customer = ticket_a.customer
    long_ago = time.time() - (settings.HELPDESK_PORTAL_SIGN_IN_MAX_AGE_MINUTES + 1) * 60
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        token = tokens.sign_in_token(
            tenant_id=tenant_a.pk, customer_id=customer.pk, sign_in_count=0
        )
    visitor = client_for()
    response = visitor.post(f"/support/sign-in/{token}/")
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert visitor.get("/support/mine/").status_code == 302


def test_it_never_serves_the_file_of_an_internal_note(ticket_a, tenant_a, agent_a):
    with scope(tenant=tenant_a):
        note = services.ticket_reply(
            ticket=ticket_a, actor=agent_a, body="note", internal=True, attachments=[photo()]
        )
        attachment = note.attachments.get()
    path = follow_path(tenant_a.pk, ticket_a.pk)
    assert client_for().get(f"{path}files/{attachment.pk}/").status_code == 404
