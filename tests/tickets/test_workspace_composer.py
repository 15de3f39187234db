"""The ticket page's composer: a reply, a note, a reply template or macro sent from it."""

import pytest
from django.urls import reverse
from django_scopes import scope

from knowledge import services as knowledge_services
from knowledge.services import TemplateFields
from tests.conftest import client_for
from tests.factories import CustomerFactory, TicketFactory
from tickets import services
from tickets.models import Status


@pytest.fixture
def ticket(tenant_a, team_a):
    customer = CustomerFactory(tenant=tenant_a, name="Li Lei")
    return TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Washer leaks")


@pytest.fixture
def macro(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        return knowledge_services.reply_template_create(
            tenant=tenant_a,
            owner=agent_a,
            fields=TemplateFields(
                name="Fixed",
                body="Dear {{ customer.name }}, #{{ ticket.number }} is fixed.",
                set_status=Status.RESOLVED,
            ),
        )


def page_of(client, ticket) -> str:
    return client.get(reverse("ticket_detail", args=[ticket.number])).content.decode()


def test_it_does_not_mark_the_reply_box_required_so_a_template_can_send_it_empty(
    agent_a, ticket, macro
):
    """The template's form includes the reply box (htmx): a ``required`` box left empty
    stops the browser from sending anything at all."""
    page = page_of(client_for(agent_a), ticket)
    box = page.split('id="id_reply_body"')[0].rsplit("<textarea", 1)[1]
    box += page.split('id="id_reply_body"')[1].split(">", 1)[0]
    assert "required" not in box


def test_it_sends_a_macro_with_the_filled_template_when_the_box_is_empty(
    tenant_a, agent_a, ticket, macro
):
    apply = reverse("knowledge:template_apply", args=[ticket.number, macro.pk])
    response = client_for(agent_a).post(apply, {"body": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        (message,) = ticket.messages.all()
    assert message.body == f"Dear Li Lei, #{ticket.number} is fixed."
    assert ticket.status == Status.RESOLVED


def test_it_refuses_an_empty_reply_with_a_field_error(tenant_a, agent_a, ticket):
    response = client_for(agent_a).post(
        reverse("ticket_reply", args=[ticket.number]), {"body": "  ", "kind": "public"}
    )
    assert response.status_code == 400
    assert "Write a message first." in response.content.decode()
    with scope(tenant=tenant_a):
        assert not ticket.messages.exists()


# --- "Submit as …" ----------------------------------------------------------------------------


def submit(client, ticket, *, body="", kind="public", submit_as=""):
    data = {"body": body, "kind": kind, "submit_as": submit_as}
    return client.post(reverse("ticket_reply", args=[ticket.number]), data)


def test_it_sends_the_reply_and_resolves_in_one_action(tenant_a, agent_a, ticket):
    response = submit(client_for(agent_a), ticket, body="Fixed it.", submit_as="resolved")
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        (message,) = ticket.messages.all()
    assert (message.kind, message.body) == ("public", "Fixed it.")
    assert ticket.status == Status.RESOLVED and ticket.first_responded_at is not None


def test_it_adds_a_note_and_puts_the_ticket_on_hold(tenant_a, agent_a, ticket):
    submit(
        client_for(agent_a), ticket, body="Waiting for parts.", kind="internal", submit_as="on_hold"
    )
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        (message,) = ticket.messages.all()
    assert message.kind == "internal" and ticket.status == Status.ON_HOLD


def test_it_only_changes_the_status_when_the_box_is_empty(tenant_a, agent_a, ticket):
    response = submit(client_for(agent_a), ticket, submit_as="pending")
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert not ticket.messages.exists()
    assert ticket.status == Status.PENDING


def test_it_sends_nothing_when_the_status_is_refused(tenant_a, admin_a, ticket):
    with scope(tenant=tenant_a):
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
    response = submit(client_for(admin_a), ticket, body="One more thing", submit_as="on_hold")
    assert response.status_code == 400
    page = response.content.decode()
    assert "A ticket cannot go from Resolved to On hold." in page
    assert "One more thing</textarea>" in page
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert not ticket.messages.exists()
    assert ticket.status == Status.RESOLVED


def test_it_offers_only_the_statuses_the_ticket_can_go_to(tenant_a, admin_a, ticket):
    client = client_for(admin_a)
    page = page_of(client, ticket)
    for status in ("open", "pending", "on_hold", "resolved"):
        assert f'name="submit_as" value="{status}"' in page
    with scope(tenant=tenant_a):
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
    page = page_of(client, ticket)
    assert 'name="submit_as" value="pending"' not in page
    assert 'name="submit_as" value="open"' in page and "Submit as Resolved" in page
