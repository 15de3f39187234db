"""``Idempotency-Key`` on creates: replay, mismatch, expiry, failures, tenants, concurrency."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import IdempotencyKey
from helpdesk.services import api_token_create
from helpdesk.tasks import purge_idempotency_keys
from tests.api.conftest import post_json, token_client
from tests.conftest import HOST_A, HOST_B
from tests.tickets.helpers import make_ticket
from tickets.models import Ticket

TICKETS = "/api/v1/tickets/"
BODY = {"subject": "Washer leaks", "customer_email": "li.lei@example.test"}


def ticket_count(tenant) -> int:
    with scope(tenant=tenant):
        return Ticket.objects.count()


def test_it_replays_the_first_response_for_the_same_key_and_body(api_a, tenant_a):
    first = post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-1"})
    again = post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ticket_count(tenant_a) == 1


def test_it_matches_the_body_by_content_not_by_bytes(api_a, tenant_a):
    post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-2"})
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2)
    again = api_a.post(
        TICKETS, reordered, content_type="application/json", headers={"Idempotency-Key": "k-2"}
    )
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert ticket_count(tenant_a) == 1


def test_it_answers_422_for_the_same_key_with_another_body(api_a, tenant_a):
    post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-3"})
    other = post_json(api_a, TICKETS, {**BODY, "subject": "Dryer"}, **{"Idempotency-Key": "k-3"})
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()
    assert ticket_count(tenant_a) == 1


def test_it_forgets_a_key_after_24_hours(api_a, tenant_a):
    post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-4"})
    with scope(tenant=tenant_a):
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-4"})
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert ticket_count(tenant_a) == 2


def test_it_purges_expired_keys_only(api_a, tenant_a):
    post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "old"})
    post_json(api_a, TICKETS, {**BODY, "subject": "new"}, **{"Idempotency-Key": "new"})
    with scope(tenant=tenant_a):
        IdempotencyKey.objects.filter(key="old").update(
            created_at=timezone.now() - timedelta(hours=25)
        )
    assert purge_idempotency_keys() == 1
    with scope(tenant=tenant_a):
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_it_replays_a_multipart_create_with_the_same_file(api_a, tenant_a):
    def send(content: bytes):
        photo = SimpleUploadedFile("leak.png", content, content_type="image/png")
        return api_a.post(
            TICKETS, {**BODY, "attachments": [photo]}, headers={"Idempotency-Key": "mp"}
        )

    png = b"\x89PNG\r\n\x1a\n"
    first, again, other = send(png + b"1"), send(png + b"1"), send(png + b"2")
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again["Idempotent-Replayed"] == "true"
    assert ticket_count(tenant_a) == 1


def test_it_does_not_burn_a_key_on_a_refused_request(api_a, tenant_a):
    refused = post_json(api_a, TICKETS, {"subject": ""}, **{"Idempotency-Key": "k-5"})
    assert refused.status_code == 400
    accepted = post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "k-5"})
    assert accepted.status_code == 201
    assert ticket_count(tenant_a) == 1


def test_it_keeps_keys_apart_per_tenant_and_per_endpoint(api_a, tenant_a, outsider, tenant_b):
    post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "shared"})
    api_b = token_client(outsider, HOST_B)
    assert post_json(api_b, TICKETS, BODY, **{"Idempotency-Key": "shared"}).status_code == 201
    assert ticket_count(tenant_b) == 1
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    url = f"{TICKETS}{ticket.number}/messages/"
    reply = post_json(api_a, url, {"body": "hi"}, **{"Idempotency-Key": "shared"})
    assert reply.status_code == 422


def test_it_replays_a_posted_message(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    url = f"{TICKETS}{ticket.number}/messages/"
    first = post_json(api_a, url, {"body": "On our way"}, **{"Idempotency-Key": "m-1"})
    again = post_json(api_a, url, {"body": "On our way"}, **{"Idempotency-Key": "m-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    with scope(tenant=tenant_a):
        assert ticket.messages.count() == 1


def test_it_refuses_an_overlong_key(api_a):
    response = post_json(api_a, TICKETS, BODY, **{"Idempotency-Key": "x" * 256})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


@pytest.mark.django_db(transaction=True)
def test_it_creates_once_when_the_same_key_arrives_concurrently(tenant_a, admin_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and concurrent connections; CI runs this on PostgreSQL")
    with scope(tenant=tenant_a):
        _token, key = api_token_create(membership=admin_a, name="erp")
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    responses = []

    def send():
        try:
            client = Client(HTTP_HOST=HOST_A, HTTP_AUTHORIZATION=f"Token {key}")
            barrier.wait()
            responses.append(post_json(client, TICKETS, BODY, **{"Idempotency-Key": "race"}))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert len({r.json()["number"] for r in created}) == 1
    assert sum("Idempotent-Replayed" not in r for r in created) == 1
    assert ticket_count(tenant_a) == 1
