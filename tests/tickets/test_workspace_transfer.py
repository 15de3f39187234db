"""A transfer: the reason stays with the desk, the customer reads only the message meant for
them (or nothing), in their language."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from customers import tokens
from tests.conftest import client_for
from tests.factories import CustomerFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.selectors import ticket_thread

REASON = "Needs a refund approval from Billing"


@pytest.fixture
def ticket(tenant_a, team_a):
    customer = CustomerFactory(tenant=tenant_a, name="Li Lei", email="li.lei@example.test")
    return TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Washer leaks")


@pytest.fixture
def care(tenant_a):
    return TeamFactory(tenant=tenant_a, name="Care")


def portal_page(ticket) -> str:
    token = tokens.follow_token(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    return client_for(None).get(f"/support/t/{token}/").content.decode()


def transfer(agent, ticket, team, **fields):
    data = {"team": team.pk, "reason": REASON, "expected_handling_minutes": 60, **fields}
    return client_for(agent).post(reverse("ticket_transfer", args=[ticket.number]), data)


def test_it_keeps_the_reason_internal_and_sends_the_customer_message(
    tenant_a, admin_a, ticket, care, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = transfer(admin_a, ticket, care, customer_message="A colleague takes over.")
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        public = [m.body for m in ticket_thread(ticket=ticket, include_internal=False)]
        note = ticket.messages.get(kind="internal")
    assert public == ["A colleague takes over."]
    assert REASON in note.body and "Care" in note.body and ".." not in note.body
    page = portal_page(ticket)
    assert "A colleague takes over." in page and REASON not in page and "Care" not in page
    (email,) = mail.outbox
    assert "A colleague takes over." in email.body and REASON not in email.body


def test_it_tells_the_customer_nothing_when_the_message_is_emptied(
    tenant_a, admin_a, ticket, care, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = transfer(admin_a, ticket, care, customer_message="  ")
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert ticket.team == care
        assert ticket_thread(ticket=ticket, include_internal=False) == []
        assert ticket.messages.filter(kind="internal").count() == 1
    assert mail.outbox == []
    assert REASON not in portal_page(ticket)


def test_it_shows_both_fields_and_prefills_the_customer_message_in_their_language(
    tenant_a, admin_a, ticket
):
    with scope(tenant=tenant_a):
        ticket.customer.language = "zh-hans"
        ticket.customer.save(update_fields=["language"])
    page = client_for(admin_a).get(reverse("ticket_detail", args=[ticket.number])).content.decode()
    form = page.split('id="id_transfer_reason"')[1].split("</form>")[0]
    assert 'id="id_transfer_customer_message"' in form
    assert "您的请求已转交给最合适的同事处理" in form
    assert "Team" not in form.split('id="id_transfer_customer_message"')[1].split("</textarea>")[0]


def test_it_prefills_the_tenant_language_for_a_customer_without_one(tenant_a, admin_a, ticket):
    with scope(tenant=tenant_a):
        ticket.customer.language = ""
        ticket.customer.save(update_fields=["language"])
    tenant_a.default_language = "en"
    tenant_a.save(update_fields=["default_language"])
    page = client_for(admin_a).get(reverse("ticket_detail", args=[ticket.number])).content.decode()
    assert "passed to the colleagues best placed to handle it. We will keep" in page


def test_the_service_never_puts_the_reason_in_a_public_message(tenant_a, admin_a, ticket, care):
    with scope(tenant=tenant_a):
        services.ticket_transfer(
            ticket=ticket,
            actor=admin_a,
            team=care,
            reason=REASON + ".",
            expected_handling_minutes=30,
            customer_message="We are on it.",
        )
        public = ticket_thread(ticket=ticket, include_internal=False)
        note = ticket.messages.get(kind="internal")
    assert [m.body for m in public] == ["We are on it."]
    assert note.body.endswith(REASON + ".") and ".." not in note.body
