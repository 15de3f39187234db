"""The quote pages: the agent's panel and form, the rates page, and the customer's portal page
reached only through the ticket's signed link."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from customers.tokens import follow_token
from repairs import quotes
from repairs.models import Quote, RepairSettings
from tests.conftest import HOST_B, client_for
from tests.tickets.helpers import make_customer, make_ticket
from tickets.models import Status


def send(tenant, agent, ticket):
    return quotes.quote_send(
        tenant=tenant, actor=agent, ticket=ticket, labour_hours=Decimal("2"), on_site=False
    )


def quote_url(quote, name="portal_quote", ticket=None):
    ticket = ticket or quote.ticket
    token = follow_token(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    return reverse(name, kwargs={"token": token, "pk": quote.pk})


# --- agent -------------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_cost_and_the_quote_form(tenant_a, agent_a, repair):
    page = client_for(agent_a).get(f"/tickets/{repair['ticket'].number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cost and quote" in html and "Out of warranty" in html
    assert "CNY 120.00" in html and 'name="labour_hours"' in html


def test_an_agent_sends_a_quote_from_the_ticket_page(tenant_a, agent_a, repair):
    number = repair["ticket"].number
    data = {"labour_hours": "1.5", "on_site": "on", "note": "Pump"}
    response = client_for(agent_a).post(f"/tickets/{number}/quote/", data)
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert quote.total == Decimal("290.00") and quote.note == "Pump"  # 120 + 120 + 50
    page = client_for(agent_a).get(f"/tickets/{number}/").content.decode()
    assert "Waiting for the customer" in page and "Withdraw the quote" in page


def test_bad_hours_are_refused_naming_the_field_and_nothing_is_sent(tenant_a, agent_a, repair):
    number = repair["ticket"].number
    response = client_for(agent_a).post(f"/tickets/{number}/quote/", {"labour_hours": "-2"})
    assert response.status_code == 400
    assert "Labour hours" in response.content.decode()
    assert not Quote.objects.exists()
    repair["ticket"].refresh_from_db()
    assert repair["ticket"].status != Status.PENDING


def test_an_agent_withdraws_the_waiting_quote(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    number = repair["ticket"].number
    assert client_for(agent_a).post(f"/tickets/{number}/quote/withdraw/").status_code == 302
    quote.refresh_from_db()
    assert quote.status == "withdrawn"


def test_an_admin_sets_the_rates_and_a_bad_currency_names_the_field(tenant_a, admin_a, agent_a):
    client = client_for(admin_a)
    bad = client.post(
        "/settings/repairs/",
        {"currency": "c1y", "labour_rate_per_hour": "80", "callout_fee": "50"},
    )
    assert bad.status_code == 400 and "three-letter currency code" in bad.content.decode()
    with scope(tenant=tenant_a):
        assert not RepairSettings.objects.exists()
    good = client.post(
        "/settings/repairs/", {"currency": "cny", "labour_rate_per_hour": "80", "callout_fee": "50"}
    )
    assert good.status_code == 302
    with scope(tenant=tenant_a):
        rates = RepairSettings.objects.get()
    assert (rates.currency, rates.labour_rate_per_hour) == ("CNY", Decimal("80.00"))
    assert client_for(agent_a).get("/settings/repairs/").status_code == 404


# --- portal ------------------------------------------------------------------------------------


def test_the_customer_sees_the_lines_and_total_and_approves(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    client = client_for(None)
    page = client.get(quote_url(quote))
    html = page.content.decode()
    assert page.status_code == 200
    assert "P-PUMP Part P-PUMP" in html and "CNY 280.00" in html and "Decline the quote" in html
    ticket_page = client.get(
        reverse("portal_ticket", kwargs={"token": quote_url(quote).split("/")[3]})
    )
    assert quote_url(quote) in ticket_page.content.decode()
    assert client.post(quote_url(quote, "portal_quote_approve")).status_code == 302
    quote.refresh_from_db()
    assert quote.status == "approved"


def test_the_page_speaks_chinese_to_a_chinese_customer(tenant_a, agent_a, repair):
    customer = repair["customer"]
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    quote = send(tenant_a, agent_a, repair["ticket"])
    html = client_for(None).get(quote_url(quote)).content.decode()
    assert "排水泵" in html and "合计" in html and "拒绝报价" in html


def test_a_double_submit_is_answered_409_with_what_happened(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    client = client_for(None)
    client.post(quote_url(quote, "portal_quote_approve"))
    again = client.post(quote_url(quote, "portal_quote_decline"), {"reason": "Changed my mind"})
    assert again.status_code == 409
    assert "This quote was approved on" in again.content.decode()
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason) == ("approved", "")


def test_a_decline_with_a_too_long_reason_names_the_field(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    response = client_for(None).post(
        quote_url(quote, "portal_quote_decline"), {"reason": "x" * 501}
    )
    assert response.status_code == 400 and "Why do you decline" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == "sent"


def test_another_customers_or_another_tenants_quote_is_a_404(tenant_a, tenant_b, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    # Another customer's ticket of the same tenant: its link does not open this quote.
    other_ticket = make_ticket(tenant_a, customer=make_customer(tenant_a, email="x@example.test"))
    client = client_for(None)
    for name in ("portal_quote", "portal_quote_approve", "portal_quote_decline"):
        foreign = quote_url(quote, name, ticket=other_ticket)
        assert (
            getattr(client, "get" if name == "portal_quote" else "post")(foreign).status_code == 404
        )
        # Tenant A's link on tenant B's host.
        on_b = client_for(None, HOST_B)
        assert (
            getattr(on_b, "get" if name == "portal_quote" else "post")(
                quote_url(quote, name)
            ).status_code
            == 404
        )
    forged = reverse("portal_quote", kwargs={"token": "forged", "pk": quote.pk})
    assert client.get(forged).status_code == 404
    quote.refresh_from_db()
    assert quote.status == "sent"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_the_agent_quote_pages(
    tenant_a, agent_a, repair, outsider_client, method
):
    number = repair["ticket"].number
    for url in (
        f"/tickets/{number}/quote/",
        f"/tickets/{number}/quote/withdraw/",
        "/settings/repairs/",
    ):
        assert getattr(outsider_client, method)(url).status_code == 404
