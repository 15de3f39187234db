"""Resolving an incident resolves every active linked ticket with the same one message."""

from django.core import mail
from django.urls import reverse

from tests.incidents.helpers import open_incident
from tests.tickets.helpers import make_customer, make_ticket
from tickets import services
from tickets.incidents import services as incidents
from tickets.models import Message, Status


def test_it_resolves_every_linked_ticket_with_one_message(
    tenant_a, admin_a, admin_client_a, django_capture_on_commit_callbacks
):
    incident = open_incident(tenant_a, admin_a)
    tickets = [
        make_ticket(tenant_a, customer=make_customer(tenant_a, email=f"c{n}@example.test"))
        for n in range(3)
    ]
    unrelated = make_ticket(tenant_a, customer=make_customer(tenant_a, email="x@example.test"))
    incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=tickets)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            reverse("incident_resolve", args=[incident.pk]),
            {"message": "Payments work again. Sorry for the trouble."},
        )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
        bodies = list(
            Message.objects.filter(ticket=ticket, kind="public").values_list("body", flat=True)
        )
        assert bodies == ["Payments work again. Sorry for the trouble."]
    unrelated.refresh_from_db()
    assert unrelated.status == Status.NEW
    replies = [m for m in mail.outbox if "Payments work again." in m.body]
    assert sorted(m.to[0] for m in replies) == [f"c{n}@example.test" for n in range(3)]


def test_it_leaves_already_closed_tickets_alone(tenant_a, admin_a):
    incident = open_incident(tenant_a, admin_a)
    done = make_ticket(tenant_a)
    services.ticket_change_status(ticket=done, actor=admin_a, status=Status.RESOLVED)
    services.ticket_change_status(ticket=done, actor=admin_a, status=Status.CLOSED)
    incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=[done])
    assert incidents.incident_resolve(incident=incident, actor=admin_a, message="Fixed") == 0
    assert not Message.objects.filter(ticket=done, body="Fixed").exists()


def test_it_refuses_an_empty_message_and_changes_nothing(tenant_a, admin_a, admin_client_a):
    incident = open_incident(tenant_a, admin_a)
    ticket = make_ticket(tenant_a)
    incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=[ticket])
    response = admin_client_a.post(reverse("incident_resolve", args=[incident.pk]), {"message": ""})
    assert response.status_code == 400
    ticket.refresh_from_db()
    incident.refresh_from_db()
    assert ticket.status == Status.NEW and incident.status == "investigating"
