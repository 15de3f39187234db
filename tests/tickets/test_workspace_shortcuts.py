"""Keyboard shortcuts: the "?" list in the page's language, and next / previous ticket."""

import pytest
from django.urls import reverse
from django_scopes import scope

from tests.conftest import client_for
from tests.factories import TeamFactory, TicketFactory
from tickets.models import Status


@pytest.fixture
def tickets(tenant_a, team_a):
    other_team = TeamFactory(tenant=tenant_a)
    with scope(tenant=tenant_a):
        first = TicketFactory(tenant=tenant_a, team=team_a)
        TicketFactory(tenant=tenant_a, team=other_team)  # the agent may not open it
        TicketFactory(tenant=tenant_a, team=team_a, status=Status.CLOSED)
        last = TicketFactory(tenant=tenant_a, team=team_a)
    return first, last


def step(member, ticket, name):
    response = client_for(member).get(reverse(name, args=[ticket.number]))
    assert response.status_code == 302
    return response.url


def test_it_steps_to_the_next_and_previous_ticket_the_agent_may_open(agent_a, tickets):
    first, last = tickets
    assert step(agent_a, first, "ticket_next") == reverse("ticket_detail", args=[last.number])
    assert step(agent_a, last, "ticket_previous") == reverse("ticket_detail", args=[first.number])


def test_it_stays_on_the_ticket_at_the_end_and_says_so(agent_a, tickets):
    last = tickets[1]
    client = client_for(agent_a)
    response = client.get(reverse("ticket_next", args=[last.number]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ticket_detail", args=[last.number])
    assert "There is no further ticket in this direction." in response.content.decode()


def test_an_outsider_cannot_step_from_another_tenants_ticket(outsider, tickets):
    first, _ = tickets
    response = client_for(outsider).get(reverse("ticket_next", args=[first.number]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("language", "title", "reply"),
    [("en", "Keyboard shortcuts", "Reply to the customer"), ("zh-hans", "键盘快捷键", "回复客户")],
)
def test_the_ticket_page_lists_the_shortcuts_in_its_language(
    agent_a, tickets, language, title, reply
):
    client = client_for(agent_a)
    client.cookies["django_language"] = language
    page = client.get(reverse("ticket_detail", args=[tickets[0].number])).content.decode()
    dialog = page.split('<dialog id="shortcuts"')[1].split("</dialog>")[0]
    assert title in dialog and reply in dialog
    assert f'data-next-url="{reverse("ticket_next", args=[tickets[0].number])}"' in page
    assert 'id="take-form"' in page


def test_a_signed_out_page_has_no_shortcuts(client, tenant_a):
    page = client.get(reverse("login"), HTTP_HOST="acme.localhost").content.decode()
    assert 'id="shortcuts"' not in page
