"""The reply box's menu of templates and macros: usable ones only, the customer's language
first, each filled in for the ticket, sent or applied as from the knowledge panel before."""

import pytest
from django.urls import reverse
from django_scopes import scope

from knowledge import services
from knowledge.models import ReplyTemplate
from knowledge.services import TemplateFields
from tests.conftest import client_for
from tests.factories import CustomerFactory, TicketFactory


@pytest.fixture
def ticket_a(tenant_a, team_a):
    customer = CustomerFactory(tenant=tenant_a, name="Li Lei", language="zh-hans")
    return TicketFactory(tenant=tenant_a, customer=customer, team=team_a)


def personal(tenant, owner, name, language, body="Hello {{ customer.name }}", **macro):
    with scope(tenant=tenant):
        return services.reply_template_create(
            tenant=tenant,
            owner=owner,
            fields=TemplateFields(name=name, body=body, language=language, **macro),
        )


def menu_of(member, ticket) -> str:
    url = reverse("knowledge:composer_templates", args=[ticket.number])
    response = client_for(member).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_customers_language_first_then_any_then_others(tenant_a, agent_a, ticket_a):
    personal(tenant_a, agent_a, "A English", "en")
    personal(tenant_a, agent_a, "B any", "")
    personal(tenant_a, agent_a, "C Chinese", "zh-hans")
    menu = menu_of(agent_a, ticket_a)
    order = [menu.index(name) for name in ("C Chinese", "B any", "A English")]
    assert order == sorted(order)
    assert "Hello Li Lei" in menu  # filled in for this ticket


def test_it_puts_english_first_for_an_english_speaking_customer(tenant_a, agent_a, ticket_a):
    personal(tenant_a, agent_a, "A English", "en")
    personal(tenant_a, agent_a, "C Chinese", "zh-hans")
    with scope(tenant=tenant_a):
        ticket_a.customer.language = "en"
        ticket_a.customer.save(update_fields=["language"])
    menu = menu_of(agent_a, ticket_a)
    assert menu.index("A English") < menu.index("C Chinese")


def test_it_offers_insert_and_send_for_each_template_and_apply_for_a_macro(
    tenant_a, agent_a, ticket_a
):
    plain = personal(tenant_a, agent_a, "Thanks", "")
    macro = personal(tenant_a, agent_a, "Done", "", set_status="resolved")
    menu = menu_of(agent_a, ticket_a)
    assert menu.count("data-kb-insert=") == 2 and "data-kb-replace" not in menu
    assert 'id="template-menu-filter"' in menu and 'type="search"' in menu
    for template in (plain, macro):
        action = reverse("knowledge:template_apply", args=[ticket_a.number, template.pk])
        assert f'action="{action}"' in menu
    assert "Send and apply" in menu


def test_another_agents_personal_template_is_not_listed(tenant_a, agent_a, admin_a, ticket_a):
    personal(tenant_a, admin_a, "Admin's own", "")
    assert "Admin&#x27;s own" not in menu_of(agent_a, ticket_a)
    assert "No reply templates you can use yet." in menu_of(agent_a, ticket_a)


def test_an_outsider_gets_404_for_the_menu(outsider, ticket_a):
    url = reverse("knowledge:composer_templates", args=[ticket_a.number])
    assert client_for(outsider).get(url).status_code == 404


def test_the_ticket_page_loads_the_menu_in_the_reply_box(agent_client_a, ticket_a):
    page = agent_client_a.get(reverse("ticket_detail", args=[ticket_a.number])).content.decode()
    composer = page.split('id="composer"')[1].split("</section>")[0]
    assert reverse("knowledge:composer_templates", args=[ticket_a.number]) in composer


def test_the_template_form_saves_a_language(agent_client_a, tenant_a):
    response = agent_client_a.post(
        reverse("knowledge:template_new"),
        {"name": "Hi", "body": "Hello", "scope": "personal", "language": "en"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        assert ReplyTemplate.objects.get(name="Hi").language == "en"


def test_the_template_form_refuses_an_unknown_language(agent_client_a):
    response = agent_client_a.post(
        reverse("knowledge:template_new"),
        {"name": "Hi", "body": "Hello", "scope": "personal", "language": "fr"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("count", [1, 15])
def test_it_builds_the_menu_in_a_constant_number_of_queries(
    tenant_a, agent_a, ticket_a, count, django_assert_max_num_queries
):
    for n in range(count):
        personal(tenant_a, agent_a, f"T{n}", ("", "en")[n % 2], set_priority="high")
    client = client_for(agent_a)
    url = reverse("knowledge:composer_templates", args=[ticket_a.number])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):
        menu = client.get(url).content.decode()
    assert menu.count("data-kb-insert=") == count
