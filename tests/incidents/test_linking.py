"""Linking tickets to an incident: one by one, pasted in bulk, selected in the queue, at intake,
and the web form telling a customer their request looks related to an open incident."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from tests.customers.helpers import web_form
from tests.factories import TeamFactory
from tests.incidents.helpers import open_incident
from tests.tickets.helpers import make_customer, make_ticket
from tickets.incidents import services as incidents
from tickets.incidents.models import IncidentTicket


def _linked_numbers(incident) -> list[int]:
    return sorted(
        IncidentTicket.objects.filter(incident=incident).values_list("ticket__number", flat=True)
    )


def test_it_links_one_ticket_by_number(tenant_a, admin_a, agent_a, agent_client_a):
    incident = open_incident(tenant_a, admin_a)
    ticket = make_ticket(tenant_a)
    url = reverse("incident_link", args=[incident.pk])
    response = agent_client_a.post(url, {"numbers": f"#{ticket.number}"})
    assert response.status_code == 302
    assert _linked_numbers(incident) == [ticket.number]
    assert IncidentTicket.objects.get().linked_by == agent_a


def test_it_links_pasted_numbers_in_bulk_and_names_the_unknown_ones(
    tenant_a, admin_a, agent_client_a
):
    incident = open_incident(tenant_a, admin_a)
    tickets = [make_ticket(tenant_a, subject=f"Cannot pay {n}") for n in range(3)]
    pasted = "\n".join(f"#{t.number}," for t in tickets) + " 99999"
    response = agent_client_a.post(
        reverse("incident_link", args=[incident.pk]), {"numbers": pasted}, follow=True
    )
    assert _linked_numbers(incident) == sorted(t.number for t in tickets)
    assert "3 ticket(s) linked." in response.content.decode()
    assert "#99999" in response.content.decode()


def test_it_links_each_ticket_once(tenant_a, admin_a):
    incident = open_incident(tenant_a, admin_a)
    ticket = make_ticket(tenant_a)
    assert incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=[ticket]) == 1
    assert incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=[ticket]) == 0
    assert IncidentTicket.objects.count() == 1


def test_it_links_the_tickets_selected_in_the_queue(tenant_a, admin_a, agent_client_a):
    incident = open_incident(tenant_a, admin_a)
    tickets = [make_ticket(tenant_a) for _ in range(2)]
    queue = agent_client_a.get(reverse("ticket_queue") + "?queue=open").content.decode()
    assert "Link selected to incident" in queue and incident.title in queue
    response = agent_client_a.post(
        reverse("incident_link_selected"),
        {"incident": incident.pk, "tickets": [t.number for t in tickets], "next": "/tickets/"},
    )
    assert response.status_code == 302 and response["Location"] == "/tickets/"
    assert _linked_numbers(incident) == sorted(t.number for t in tickets)


def test_it_does_not_link_a_ticket_the_agent_cannot_open(tenant_a, admin_a, agent_client_a):
    incident = open_incident(tenant_a, admin_a)
    other_team = TeamFactory(tenant=tenant_a, name="Billing")
    hidden = make_ticket(tenant_a)
    hidden.team = other_team
    hidden.save(update_fields=["team"])
    agent_client_a.post(
        reverse("incident_link", args=[incident.pk]), {"numbers": str(hidden.number)}
    )
    assert _linked_numbers(incident) == []


def test_it_links_a_new_ticket_at_intake(tenant_a, admin_a, agent_client_a):
    incident = open_incident(tenant_a, admin_a)
    response = agent_client_a.post(
        reverse("incident_ticket_new", args=[incident.pk]),
        {
            "customer_email": "caller@example.test",
            "customer_name": "Wang Fang",
            "subject": "Payment fails at checkout",
            "priority": "normal",
            "channel": "phone",
        },
    )
    assert response.status_code == 302
    (link,) = IncidentTicket.objects.select_related("ticket__customer")
    assert link.incident == incident
    assert link.ticket.customer.email == "caller@example.test"
    assert link.ticket.channel == "phone"


def test_it_suggests_the_open_incident_to_a_matching_web_form_request(tenant_a, admin_a, client):
    recovery = timezone.now() + timedelta(hours=2)
    open_incident(tenant_a, admin_a, title="Checkout outage", expected_recovery_at=recovery)
    response = client.post(
        "/support/",
        web_form(subject="My PAYMENT was refused", description="twice"),
        HTTP_HOST="acme.localhost",
        follow=True,
    )
    page = response.content.decode()
    assert "This looks related to a known problem" in page and "Checkout outage" in page
    local = timezone.localtime(recovery, timezone=ZoneInfo(tenant_a.time_zone))
    assert local.strftime("%Y-%m-%d %H:%M") in page


def test_it_suggests_nothing_to_an_unrelated_request(tenant_a, admin_a, client):
    open_incident(tenant_a, admin_a, title="Checkout outage")
    response = client.post(
        "/support/", web_form(subject="Fridge is warm"), HTTP_HOST="acme.localhost", follow=True
    )
    assert "This looks related" not in response.content.decode()


def test_it_offers_tickets_that_mention_a_keyword_on_the_incident_page(
    tenant_a, admin_a, admin_client_a
):
    incident = open_incident(tenant_a, admin_a, keywords="支付, payment")
    matching = make_ticket(tenant_a, subject="支付失败", customer=make_customer(tenant_a))
    make_ticket(
        tenant_a, subject="Washer leaks", customer=make_customer(tenant_a, email="b@x.test")
    )
    page = admin_client_a.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "Tickets that mention the keywords" in page
    assert f'value="{matching.number}"' in page
    assert "Washer leaks" not in page
