"""Several workers sending the same incident update at once mail each customer exactly once
(the conditional UPDATE claim). Needs PostgreSQL: SQLite serialises writers anyway."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django_scopes import scope

from tests.incidents.helpers import open_incident
from tests.tickets.helpers import make_customer, make_ticket
from tickets.incidents import services as incidents
from tickets.incidents.models import IncidentUpdateDelivery

WORKERS = 4
CUSTOMERS = 20


@pytest.mark.django_db(transaction=True)
def test_it_mails_each_customer_once_when_workers_race(tenant_a, admin_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL with concurrent connections; CI runs this on PostgreSQL")
    incident = open_incident(tenant_a, admin_a)
    customers = [make_customer(tenant_a, email=f"c{n}@example.test") for n in range(CUSTOMERS)]
    tickets = [make_ticket(tenant_a, customer=c) for c in customers]
    incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=tickets)
    update = incidents.incident_update_post(incident=incident, actor=admin_a, body="On it")
    # Autocommit ran the eager task already: owe every e-mail again and let the workers race.
    IncidentUpdateDelivery.objects.update(sent_at=None)
    mail.outbox.clear()
    barrier = threading.Barrier(WORKERS)
    sent, errors = [], []

    def work():
        try:
            barrier.wait()
            with scope(tenant=tenant_a):
                sent.append(incidents.incident_update_send(tenant=tenant_a, update_id=update.pk))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == CUSTOMERS
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in customers)
