"""Webhooks against a real HTTP receiver on 127.0.0.1: signing, retries, giving up, address checks,
no double sends, and the admin pages."""

import hashlib
import hmac
import json
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from helpdesk.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from helpdesk.services import tenant_seed_defaults
from helpdesk.webhook_subscriptions import webhook_subscription_create
from helpdesk.webhooks import DISABLE_AFTER_GIVE_UPS, webhook_deliver, webhook_emit, webhook_sweep
from tests.conftest import client_for
from tests.factories import CustomerFactory
from tickets import services as ticket_services
from tickets.models import Priority, Status


class Receiver:
    """A local HTTP server that records each POST and answers with the next queued status."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else None
                    status = status or receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks?source=helpdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(allow_private):
    server = Receiver()
    yield server
    server.close()


def subscribe(tenant, url, events=("ticket.created",)):
    with scope(tenant=tenant):
        return webhook_subscription_create(tenant=tenant, url=url, events=list(events))


def emit(tenant, event="ticket.created", payload=None):
    with scope(tenant=tenant):
        return webhook_emit(tenant=tenant, event=event, payload=payload or {"number": 1})


def delivery(tenant, pk) -> WebhookDelivery:
    with scope(tenant=tenant):
        return WebhookDelivery.objects.get(pk=pk)


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does (docs/api.md)."""
    fields = dict(part.split("=", 1) for part in headers["X-Helpdesk-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


def test_it_signs_a_delivery_the_receiver_can_verify(
    tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(tenant_a, receiver.url)
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_create(
            tenant=tenant_a,
            customer=CustomerFactory(tenant=tenant_a),
            subject="Leaks",
            actor=admin_a,
        )
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert verify(subscription.secret, headers, body)
    assert not verify("whsec_wrong", headers, body)
    assert abs(int(headers["X-Helpdesk-Signature"][2:12]) - timezone.now().timestamp()) < 60
    assert headers["X-Helpdesk-Event"] == "ticket.created"
    sent = json.loads(body)
    assert sent["event"] == "ticket.created"
    assert sent["id"] == int(headers["X-Helpdesk-Delivery"])
    assert sent["data"]["number"] == ticket.number
    assert delivery(tenant_a, sent["id"]).status == DeliveryStatus.SUCCEEDED


def test_it_retries_with_exponential_backoff_after_server_errors(tenant_a, allow_private):
    server = Receiver(statuses=[500, 502, 200])
    try:
        subscribe(tenant_a, server.url)
        [created] = emit(tenant_a)
        start = created.created_at
        assert webhook_sweep(now=start) == 1
        first = delivery(tenant_a, created.pk)
        assert (first.status, first.attempts, first.last_status_code) == ("failed", 1, 500)
        assert first.next_attempt_at == start + timedelta(seconds=30)
        assert webhook_sweep(now=start + timedelta(seconds=29)) == 0  # not due yet
        webhook_sweep(now=start + timedelta(seconds=30))
        second = delivery(tenant_a, created.pk)
        assert (second.attempts, second.last_status_code) == (2, 502)
        assert second.next_attempt_at == start + timedelta(seconds=30 + 60)
        webhook_sweep(now=second.next_attempt_at)
        done = delivery(tenant_a, created.pk)
        assert (done.status, done.attempts, done.last_status_code) == ("succeeded", 3, 200)
        assert done.next_attempt_at is None
    finally:
        server.close()
    bodies = {request["body"] for request in server.requests}
    assert len(server.requests) == 3 and len(bodies) == 1  # the same delivery, byte for byte


def test_it_gives_up_after_a_day_and_disables_the_subscription(tenant_a, allow_private):
    server = Receiver(statuses=[500])
    try:
        subscription = subscribe(tenant_a, server.url)
        created = [emit(tenant_a)[0] for _ in range(DISABLE_AFTER_GIVE_UPS)]
        now = created[0].created_at
        for _ in range(40):
            if not webhook_sweep(now=now):
                break
            with scope(tenant=tenant_a):
                due = WebhookDelivery.objects.exclude(next_attempt_at=None)
                now = min([d.next_attempt_at for d in due], default=now)
    finally:
        server.close()
    assert now - created[0].created_at < timedelta(days=1)
    rows = [delivery(tenant_a, d.pk) for d in created]
    assert {r.status for r in rows} == {DeliveryStatus.GAVE_UP}
    assert all(10 <= r.attempts <= 16 and r.last_status_code == 500 for r in rows)
    with scope(tenant=tenant_a):
        subscription.refresh_from_db()
        assert not subscription.is_active and subscription.disabled_at is not None
        assert subscription.failure_count == DISABLE_AFTER_GIVE_UPS
    assert emit(tenant_a) == []  # a disabled subscription receives nothing


def test_it_does_not_disable_a_subscription_that_succeeds_in_between(tenant_a, allow_private):
    server = Receiver(statuses=[200])
    try:
        subscription = subscribe(tenant_a, server.url)
        with scope(tenant=tenant_a):
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failure_count=2)
        [created] = emit(tenant_a)
        webhook_sweep(now=created.created_at)
    finally:
        server.close()
    with scope(tenant=tenant_a):
        subscription.refresh_from_db()
    assert subscription.failure_count == 0 and subscription.is_active


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "https:///no-host",
    ],
)
def test_it_refuses_urls_that_are_not_public_http(tenant_a, settings, url):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = False
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as raised:
        webhook_subscription_create(tenant=tenant_a, url=url, events=["ticket.created"])
    assert "url" in raised.value.message_dict
    with scope(tenant=tenant_a):
        assert not WebhookSubscription.objects.exists()


def test_it_checks_the_address_again_before_each_attempt(tenant_a, receiver, settings):
    """DNS rebinding: the host was public when subscribed, private when delivering."""
    subscribe(tenant_a, receiver.url)
    [created] = emit(tenant_a)
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = False
    webhook_sweep(now=created.created_at)
    row = delivery(tenant_a, created.pk)
    assert row.status == DeliveryStatus.FAILED and row.last_status_code is None
    assert "private" in row.last_error
    assert receiver.requests == []


def test_it_sends_nothing_twice_when_two_senders_race(tenant_a, receiver):
    subscribe(tenant_a, receiver.url)
    [created] = emit(tenant_a)
    now = created.created_at
    assert webhook_sweep(now=now) == 1
    assert webhook_sweep(now=now) == 0
    with scope(tenant=tenant_a):
        assert webhook_deliver(delivery_id=created.pk, now=now) is False  # the queued task
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_it_sends_each_delivery_once_with_concurrent_sweeps_on_postgresql(tenant_a, receiver):
    subscribe(tenant_a, receiver.url)
    created = [emit(tenant_a)[0] for _ in range(30)]
    now = max(d.created_at for d in created)

    def sweep():
        try:
            webhook_sweep(now=now, batch_size=10)
            webhook_sweep(now=now, batch_size=10)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = Counter(request["headers"]["X-Helpdesk-Delivery"] for request in receiver.requests)
    assert len(ids) == 30 and set(ids.values()) == {1}


# --- where the events come from ---------------------------------------------------------------


def sent_events(receiver) -> list[tuple[str, dict]]:
    return [
        (r["headers"]["X-Helpdesk-Event"], json.loads(r["body"])["data"]) for r in receiver.requests
    ]


def test_it_emits_ticket_updated_and_resolved_with_the_new_values(
    tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(tenant_a, receiver.url, events=["ticket.updated", "ticket.resolved"])
    with scope(tenant=tenant_a):
        ticket = ticket_services.ticket_create(
            tenant=tenant_a, customer=CustomerFactory(tenant=tenant_a), subject="Noisy"
        )
        with django_capture_on_commit_callbacks(execute=True):
            ticket_services.ticket_change_priority(
                ticket=ticket, actor=admin_a, priority=Priority.URGENT
            )
            ticket_services.ticket_change_status(
                ticket=ticket, actor=admin_a, status=Status.RESOLVED
            )
            ticket_services.ticket_set_tags(ticket=ticket, actor=admin_a, names=["x"])
    events = sent_events(receiver)
    assert [name for name, _data in events] == [
        "ticket.updated",
        "ticket.updated",
        "ticket.resolved",
    ]
    priority, status, resolved = (data for _name, data in events)
    assert priority["ticket"]["priority"] == "urgent"
    assert priority["change"] == {"field": "priority", "old": "normal", "new": "urgent"}
    assert status["ticket"]["status"] == resolved["ticket"]["status"] == "resolved"


def test_it_emits_sla_warning_and_breach(
    tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(tenant_a, receiver.url, events=["sla.warning", "sla.breach"])
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_services.ticket_create(
                tenant=tenant_a,
                customer=CustomerFactory(tenant=tenant_a),
                subject="Old",
                priority=Priority.URGENT,
                created_at=timezone.now() - timedelta(days=30),
            )
    names = {name for name, _data in sent_events(receiver)}
    assert names == {"sla.warning", "sla.breach"}
    breach = next(data for name, data in sent_events(receiver) if name == "sla.breach")
    assert breach["target"] and breach["due_at"]


def test_it_emits_survey_answered(tenant_a, admin_a, receiver, django_capture_on_commit_callbacks):
    from surveys.services import survey_answer

    subscribe(tenant_a, receiver.url, events=["survey.answered"])
    with scope(tenant=tenant_a):
        ticket = ticket_services.ticket_create(
            tenant=tenant_a, customer=CustomerFactory(tenant=tenant_a), subject="Fixed?"
        )
        ticket_services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
        invitation = ticket.survey_invitations.get()
        with django_capture_on_commit_callbacks(execute=True):
            survey_answer(invitation=invitation, overall=2, nps=3, comment="Slow")
    [(name, data)] = sent_events(receiver)
    assert name == "survey.answered"
    assert (data["ticket_number"], data["overall"], data["nps"]) == (ticket.number, 2, 3)


# --- the admin pages ------------------------------------------------------------------------------

PAGE = "/settings/webhooks/"


def test_it_shows_the_secret_once_on_creation(admin_client_a, tenant_a, allow_private):
    response = admin_client_a.post(
        PAGE, {"url": "https://localhost:8443/in", "events": ["ticket.created", "sla.breach"]}
    )
    assert response.status_code == 200
    with scope(tenant=tenant_a):
        subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["ticket.created", "sla.breach"]
    assert subscription.secret in response.content.decode()
    assert subscription.secret not in admin_client_a.get(PAGE).content.decode()
    detail = admin_client_a.get(f"{PAGE}{subscription.pk}/").content.decode()
    assert subscription.secret not in detail


def test_it_refuses_a_private_url_on_the_page(admin_client_a, tenant_a):
    response = admin_client_a.post(PAGE, {"url": "http://127.0.0.1/", "events": ["sla.breach"]})
    assert response.status_code == 200
    assert "private or reserved" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not WebhookSubscription.objects.exists()


def test_it_lists_deliveries_with_status_attempts_and_code(admin_client_a, tenant_a, allow_private):
    server = Receiver(statuses=[503])
    try:
        subscription = subscribe(tenant_a, server.url)
        [created] = emit(tenant_a)
        webhook_sweep(now=created.created_at)
    finally:
        server.close()
    page = admin_client_a.get(f"{PAGE}{subscription.pk}/").content.decode()
    assert "Failed, will retry" in page and "503" in page and "ticket.created" in page


def test_it_disables_enables_and_deletes(admin_client_a, tenant_a, allow_private):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    base = f"{PAGE}{subscription.pk}"
    assert admin_client_a.post(f"{base}/disable/").status_code == 302
    with scope(tenant=tenant_a):
        subscription.refresh_from_db()
        assert not subscription.is_active
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failure_count=3)
    admin_client_a.post(f"{base}/enable/")
    with scope(tenant=tenant_a):
        subscription.refresh_from_db()
        assert subscription.is_active and subscription.failure_count == 0
    assert admin_client_a.get(f"{base}/delete/").status_code == 405  # no change on GET
    admin_client_a.post(f"{base}/delete/")
    with scope(tenant=tenant_a):
        assert not WebhookSubscription.objects.exists()


def test_it_hides_the_pages_from_agents_and_outsiders(tenant_a, agent_a, outsider, allow_private):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    for member in (agent_a, outsider):
        client = client_for(member)
        for url in (PAGE, f"{PAGE}{subscription.pk}/"):
            assert client.get(url).status_code == 404
        for action in ("disable", "enable", "delete"):
            assert client.post(f"{PAGE}{subscription.pk}/{action}/").status_code == 404
    with scope(tenant=tenant_a):
        assert WebhookSubscription.objects.get().is_active
