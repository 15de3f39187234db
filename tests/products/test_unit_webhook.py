"""unit.registered: emitted by the registration's audit record, delivered signed as the
Standard Webhooks specification says, and not emitted when the registration is refused."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope
from standardwebhooks import Webhook

from helpdesk.models import WebhookDelivery
from products.services import product_create, unit_register, unit_update
from tests.factories import CustomerFactory
from tests.helpdesk.test_webhooks import Receiver, subscribe


@pytest.fixture
def receiver(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def test_it_delivers_unit_registered_signed_for_a_standard_webhooks_receiver(
    tenant_a, admin_a, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(tenant_a, receiver.url, events=["unit.registered"])
    owner = CustomerFactory(tenant=tenant_a)
    with scope(tenant=tenant_a):
        product = product_create(
            tenant=tenant_a, actor=admin_a, model_code="HP-7", name="Heat pump", warranty_months=24
        )
        with django_capture_on_commit_callbacks(execute=True):
            unit = unit_register(
                tenant=tenant_a,
                actor=admin_a,
                serial="acm hp 000007",
                product=product,
                customer=owner,
                purchased_on=date(2026, 1, 31),
            )
            unit_update(unit=unit, actor=admin_a, status="scrapped")
    [request] = receiver.requests
    sent = Webhook(subscription.secret).verify(request["body"], request["headers"])
    assert sent["event"] == "unit.registered"
    assert sent["data"]["id"] == unit.pk
    assert sent["data"]["serial"] == "ACMHP000007"
    assert sent["data"]["model_code"] == "HP-7"
    assert sent["data"]["customer_id"] == owner.pk
    assert sent["data"]["warranty_ends_on"] == "2028-01-30"
    assert json.loads(request["body"])["event"] == "unit.registered"


def test_it_emits_nothing_when_the_registration_is_refused(tenant_a, admin_a, settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    subscribe(tenant_a, "http://127.0.0.1:9/hook", events=["unit.registered"])
    owner = CustomerFactory(tenant=tenant_a)
    with scope(tenant=tenant_a):
        product = product_create(tenant=tenant_a, actor=admin_a, model_code="HP-7", name="Pump")
        unit_register(
            tenant=tenant_a,
            actor=admin_a,
            serial="S-1",
            product=product,
            customer=owner,
            purchased_on=date(2026, 1, 1),
        )
        with pytest.raises(ValidationError):
            unit_register(
                tenant=tenant_a,
                actor=admin_a,
                serial=" s-1 ",
                product=product,
                customer=owner,
                purchased_on=date(2026, 1, 1),
            )
        assert WebhookDelivery.objects.filter(event="unit.registered").count() == 1
