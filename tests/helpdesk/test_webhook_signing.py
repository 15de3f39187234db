"""Webhooks signed as the Standard Webhooks specification says, verified on the receiving side
by the specification's own Python library; secret rotation with its grace period."""

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from standardwebhooks import Webhook, WebhookVerificationError

from helpdesk.models import ConfigurationEvent, WebhookSubscription
from helpdesk.webhook_subscriptions import webhook_subscription_rotate_secret
from helpdesk.webhooks import webhook_deliver, webhook_sweep
from tests.conftest import client_for
from tests.helpdesk.test_webhooks import PAGE, Receiver, delivery, emit, subscribe


@pytest.fixture
def allow_private(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(allow_private):
    server = Receiver()
    yield server
    server.close()


def verified(secret: str, request: dict) -> dict:
    """What a receiver does with any Standard Webhooks library; raises if it does not verify."""
    return Webhook(secret).verify(request["body"], request["headers"])


def rotate(tenant, subscription) -> str:
    with scope(tenant=tenant):
        return webhook_subscription_rotate_secret(subscription=subscription)


def deliver(tenant, created) -> None:
    with scope(tenant=tenant):
        assert webhook_deliver(delivery_id=created.pk)


def test_it_signs_deliveries_a_standard_webhooks_library_verifies(tenant_a, receiver):
    subscription = subscribe(tenant_a, receiver.url)
    assert subscription.secret.startswith("whsec_")
    [created] = emit(tenant_a, payload={"number": 7})
    deliver(tenant_a, created)
    [request] = receiver.requests
    assert verified(subscription.secret, request)["data"] == {"number": 7}
    assert request["headers"]["webhook-id"] == str(created.pk)
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "A" * 44, request)


def test_it_keeps_the_webhook_id_and_signs_each_retry_afresh(tenant_a, allow_private):
    server = Receiver(statuses=[500, 200])
    try:
        subscription = subscribe(tenant_a, server.url)
        [created] = emit(tenant_a)
        webhook_sweep(now=created.created_at)
        webhook_sweep(now=delivery(tenant_a, created.pk).next_attempt_at)
    finally:
        server.close()
    first, second = server.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == str(created.pk)
    for request in (first, second):
        verified(subscription.secret, request)


def test_it_verifies_with_a_secret_made_before_the_standard(tenant_a, receiver):
    subscription = subscribe(tenant_a, receiver.url)
    legacy = "whsec_" + secrets.token_hex(24)  # how secrets were made until now
    with scope(tenant=tenant_a):
        WebhookSubscription.objects.filter(pk=subscription.pk).update(secret=legacy)
    [created] = emit(tenant_a)
    deliver(tenant_a, created)
    [request] = receiver.requests
    verified(legacy, request)
    assert "t=" in request["headers"]["X-Helpdesk-Signature"]  # deprecated, still sent


def test_it_signs_with_both_secrets_during_the_grace_period_then_only_the_new(tenant_a, receiver):
    subscription = subscribe(tenant_a, receiver.url)
    old = subscription.secret
    new = rotate(tenant_a, subscription)
    assert new != old and new.startswith("whsec_")
    [during] = emit(tenant_a)
    deliver(tenant_a, during)
    with scope(tenant=tenant_a):
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
        )
    [after] = emit(tenant_a)
    deliver(tenant_a, after)
    first, second = receiver.requests
    assert len(first["headers"]["webhook-signature"].split(" ")) == 2
    verified(old, first)
    verified(new, first)
    assert len(second["headers"]["webhook-signature"].split(" ")) == 1
    verified(new, second)
    with pytest.raises(WebhookVerificationError):
        verified(old, second)


def test_it_keeps_only_the_last_replaced_secret_when_rotated_twice(tenant_a, receiver):
    subscription = subscribe(tenant_a, receiver.url)
    first = subscription.secret
    second = rotate(tenant_a, subscription)
    third = rotate(tenant_a, subscription)
    [created] = emit(tenant_a)
    deliver(tenant_a, created)
    [request] = receiver.requests
    verified(third, request)
    verified(second, request)
    with pytest.raises(WebhookVerificationError):
        verified(first, request)


def test_it_audits_a_rotation_without_any_secret(tenant_a, admin_a, allow_private):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    old = subscription.secret
    with scope(tenant=tenant_a):
        new = webhook_subscription_rotate_secret(subscription=subscription, actor=admin_a)
        row = ConfigurationEvent.objects.get(field="secret")
    assert (row.action, row.actor_id) == ("changed", admin_a.pk)
    recorded = " ".join(str(value) for value in vars(row).values())
    assert old not in recorded and new not in recorded


def test_it_rotates_from_the_detail_page_and_shows_the_secret_once(
    admin_client_a, tenant_a, allow_private
):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    url = f"{PAGE}{subscription.pk}/rotate-secret/"
    assert admin_client_a.get(url).status_code == 405  # no change on GET
    response = admin_client_a.post(url)
    with scope(tenant=tenant_a):
        subscription.refresh_from_db()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert subscription.secret in response.content.decode()
    detail = admin_client_a.get(f"{PAGE}{subscription.pk}/").content.decode()
    assert subscription.secret not in detail
    assert subscription.previous_secret not in detail


def test_it_refuses_a_rotation_without_the_csrf_token(admin_a, tenant_a, allow_private):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    client = client_for(admin_a)
    client.handler.enforce_csrf_checks = True
    assert client.post(f"{PAGE}{subscription.pk}/rotate-secret/").status_code == 403
    with scope(tenant=tenant_a):
        assert WebhookSubscription.objects.get().secret == subscription.secret


def test_it_lets_no_agent_or_outsider_rotate(tenant_a, agent_a, outsider, allow_private):
    subscription = subscribe(tenant_a, "https://localhost:8443/in")
    for member in (agent_a, outsider):
        response = client_for(member).post(f"{PAGE}{subscription.pk}/rotate-secret/")
        assert response.status_code == 404
    with scope(tenant=tenant_a):
        assert WebhookSubscription.objects.get().secret == subscription.secret
