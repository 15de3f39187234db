"""The ticket page's layout: the conversation folded to its latest messages, the composer
reachable at once, the customer panel, and a constant number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from customers.models import Organization
from tests.conftest import client_for
from tests.factories import CustomerFactory, TeamFactory, TicketFactory, TierFactory
from tests.products.contract_helpers import washer_unit
from tests.surveys.helpers import answered_survey
from tests.tickets.helpers import make_ticket
from tickets import services


@pytest.fixture
def customer(tenant_a):
    with scope(tenant=tenant_a):
        company = Organization.objects.create(
            tenant=tenant_a, name="Sunrise Hotels", tier=TierFactory(tenant=tenant_a, name="Gold")
        )
    return CustomerFactory(tenant=tenant_a, name="Li Lei", organization=company)


@pytest.fixture
def ticket(tenant_a, team_a, customer):
    return TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Washer leaks")


def page_of(member, ticket, **query) -> str:
    url = reverse("ticket_detail", args=[ticket.number])
    return client_for(member).get(url, query).content.decode()


def replies(ticket, member, count):
    with scope(tenant=ticket.tenant):
        for n in range(count):
            services.ticket_reply(ticket=ticket, actor=member, body=f"message {n}")


def test_it_folds_all_but_the_latest_three_messages(agent_a, ticket):
    replies(ticket, agent_a, 5)
    page = page_of(agent_a, ticket)
    folded, shown = page.split('class="thread-earlier"')[1].split("</details>", 1)
    assert "message 0" in folded and "message 1" in folded and 'id="request"' in folded
    assert [f"message {n}" in shown for n in range(5)] == [False, False, True, True, True]
    assert shown.index("message 2") < shown.index("message 4") < shown.index('id="composer"')


def test_it_shows_the_newest_first_with_the_composer_on_top_when_asked(agent_a, ticket):
    replies(ticket, agent_a, 2)
    page = page_of(agent_a, ticket, order="newest")
    assert page.index('id="composer"') < page.index("message 1") < page.index("message 0")
    assert page.index("message 0") < page.index('id="request"')
    assert 'href="?order=oldest"' in page


def test_it_leads_the_keyboard_to_the_reply_box_first(agent_a, ticket):
    page = page_of(agent_a, ticket)
    content = page.split('id="main"', 1)[1]
    first_link = content.split("<a ", 1)[1]
    assert first_link.startswith('class="skip-link" href="#id_reply_body"')


def test_the_customer_panel_lists_organisation_other_tickets_units_and_scores(
    tenant_a, agent_a, admin_a, team_a, customer, ticket
):
    open_other = TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Dryer")
    done = TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Old fridge")
    hidden = TicketFactory(
        tenant=tenant_a,
        team=TeamFactory(tenant=tenant_a, name="Billing"),
        customer=customer,
        subject="Invoice copy",
    )
    with scope(tenant=tenant_a):
        answered_survey(done, actor=admin_a, overall=2, nps=3)
        washer_unit(tenant_a, admin_a, serial="SN-PANEL", customer=customer)
    page = page_of(agent_a, ticket)
    panel = page.split('id="customer-title"')[1].split("</section>")[0]
    assert "Sunrise Hotels" in panel and "Gold" in panel  # the organisation's tier
    open_list = panel.split('id="customer-open-tickets"')[1].split("</ul>")[0]
    assert f"#{open_other.number} Dryer" in open_list and "Washer leaks" not in open_list
    recent = panel.split('id="customer-recent-tickets"')[1].split("</ul>")[0]
    assert f"#{done.number} Old fridge" in recent
    assert "Invoice copy" not in panel and f"#{hidden.number} " not in panel  # not the agent's
    assert "SN-PANEL" in panel.split('id="customer-units"')[1]
    scores = panel.split('id="customer-satisfaction"')[1].split("</ul>")[0]
    assert f"#{done.number}" in scores and "2/5" in scores and "NPS</abbr> 3" in scores


def test_it_shows_the_sla_targets_as_badges_by_the_title(tenant_a, admin_a, seeded_scope_a):
    ticket = make_ticket(tenant_a, priority="high")
    page = page_of(admin_a, ticket)
    header = page.split('class="ticket-header"')[1].split("</header>")[0]
    targets = header.split('class="sla-times"')[1].split("</ul>")[0]
    assert "First response: due" in targets and "Resolution: due" in targets


@pytest.mark.parametrize("rows", [1, 20])
def test_it_renders_the_ticket_page_in_a_constant_number_of_queries(
    tenant_a, agent_a, admin_a, team_a, customer, ticket, rows, django_assert_max_num_queries
):
    """Messages, history entries, the customer's other tickets, units and survey answers:
    1 of each or 20 of each, the same number of queries."""
    with scope(tenant=tenant_a):
        for n in range(rows):
            services.ticket_reply(
                ticket=ticket,
                actor=agent_a,
                body=f"message {n}",
                internal=n % 2 == 1,
                attachments=[SimpleUploadedFile(f"f{n}.txt", b"x")],
            )
            services.ticket_change_priority(
                ticket=ticket, actor=agent_a, priority=("high", "normal")[n % 2]
            )
            other = TicketFactory(tenant=tenant_a, team=team_a, customer=customer)
            if n % 2:
                answered_survey(other, actor=admin_a, overall=4)
            washer_unit(tenant_a, admin_a, serial=f"SN-{n}", customer=customer)
        assert ticket.events.count() >= 2 * rows
    client = client_for(agent_a)
    url = reverse("ticket_detail", args=[ticket.number])
    client.get(url)  # warm the session
    # 24 before the customer panel: +3 for its lists (open, recent, units), +1 for the scores
    with django_assert_max_num_queries(28):
        page = client.get(url).content.decode()
    assert page.count('id="message-') == rows
    assert page.count("· Priority") == rows  # every history entry is listed
    open_list = page.split('id="customer-open-tickets"')[1].split("</ul>")[0]
    assert open_list.count("<li>") == min((rows + 1) // 2, 5)
