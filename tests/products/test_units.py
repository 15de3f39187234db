"""Registering units: normalised serials unique per tenant, dates checked, overrides audited."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from helpdesk.models import ConfigurationEvent
from products.models import Unit, UnitEvent
from products.selectors import unit_find_by_serial, units_of_customer
from products.services import (
    product_create,
    product_update,
    unit_register,
    unit_warranty_override,
)
from tests.factories import CustomerFactory

TODAY = date(2026, 12, 7)


@pytest.fixture
def washer(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return product_create(
            tenant=tenant_a, actor=admin_a, model_code="WM-800", name="Washer", warranty_months=24
        )


@pytest.fixture
def owner(tenant_a):
    return CustomerFactory(tenant=tenant_a)


def _register(tenant, actor, product, customer, serial="sn 12-ab 34", **extra):
    return unit_register(
        tenant=tenant,
        actor=actor,
        serial=serial,
        product=product,
        customer=customer,
        purchased_on=extra.pop("purchased_on", date(2026, 3, 1)),
        today=TODAY,
        **extra,
    )


def test_it_registers_a_unit_with_a_normalised_serial_and_its_warranty(
    tenant_a, admin_a, washer, owner
):
    with scope(tenant=tenant_a):
        unit = _register(tenant_a, admin_a, washer, owner)
        assert unit.serial == "SN12-AB34"
        assert unit.warranty_ends_on == date(2028, 2, 29)
        assert unit_find_by_serial(serial=" sn12-ab34 ") == unit
        assert list(units_of_customer(customer=owner)) == [unit]
        event = UnitEvent.objects.get(unit=unit)
    assert event.action == "registered" and event.actor == admin_a


def test_it_refuses_a_duplicate_serial_naming_the_field(tenant_a, admin_a, washer, owner):
    with scope(tenant=tenant_a):
        _register(tenant_a, admin_a, washer, owner)
        with pytest.raises(ValidationError) as refused:
            _register(tenant_a, admin_a, washer, owner, serial="SN12 AB34".replace(" ", "-"))
        assert "serial" in refused.value.message_dict
        assert Unit.objects.count() == 1 and UnitEvent.objects.count() == 1


def test_it_refuses_a_purchase_in_the_future_and_an_install_before_it(
    tenant_a, admin_a, washer, owner
):
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError) as future:
            _register(tenant_a, admin_a, washer, owner, purchased_on=date(2026, 12, 8))
        with pytest.raises(ValidationError) as early:
            _register(tenant_a, admin_a, washer, owner, installed_on=date(2026, 2, 1))
        assert "purchased_on" in future.value.message_dict
        assert "installed_on" in early.value.message_dict
        assert not Unit.objects.exists()


def test_it_audits_a_warranty_override_and_requires_a_reason(tenant_a, admin_a, washer, owner):
    with scope(tenant=tenant_a):
        unit = _register(tenant_a, admin_a, washer, owner)
        with pytest.raises(ValidationError):
            unit_warranty_override(unit=unit, actor=admin_a, until=date(2029, 1, 1), reason=" ")
        unit_warranty_override(
            unit=unit, actor=admin_a, until=date(2029, 1, 1), reason="Dealer goodwill"
        )
        assert unit.warranty_ends_on == date(2029, 1, 1)
        event = UnitEvent.objects.get(action="warranty_overridden")
        unit_warranty_override(unit=unit, actor=admin_a, until=None, reason="Entered in error")
        assert unit.warranty_ends_on == date(2028, 2, 29)
    assert (event.old_value, event.new_value) == ("2028-02-29", "2029-01-01")
    assert event.data == {"reason": "Dealer goodwill"}


def test_it_keeps_serials_per_tenant(tenant_a, tenant_b, admin_a, outsider, washer, owner):
    with scope(tenant=tenant_a):
        _register(tenant_a, admin_a, washer, owner)
    with scope(tenant=tenant_b):
        assert unit_find_by_serial(serial="SN12-AB34") is None
        globex_washer = product_create(
            tenant=tenant_b, actor=outsider, model_code="WM-800", name="Washer"
        )
        theirs = _register(tenant_b, outsider, globex_washer, CustomerFactory(tenant=tenant_b))
    assert theirs.serial == "SN12-AB34"  # the same label in another tenant is another unit


def test_it_refuses_a_second_product_with_the_same_model_code(tenant_a, admin_a, washer):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        product_create(tenant=tenant_a, actor=admin_a, model_code="wm-800", name="Again")
    assert "model_code" in refused.value.message_dict


def test_it_audits_each_changed_field_of_a_product_and_refuses_a_taken_model_code(
    tenant_a, admin_a, washer
):
    with scope(tenant=tenant_a):
        product_create(tenant=tenant_a, actor=admin_a, model_code="WM-900", name="Dryer")
        with pytest.raises(ValidationError) as refused:
            product_update(product=washer, actor=admin_a, model_code=" wm-900 ")
        assert list(refused.value.error_dict) == ["model_code"]
        product_update(product=washer, actor=admin_a, warranty_months=36, name="Washer")
        rows = ConfigurationEvent.objects.filter(
            action="changed", target_type="products.product", target_id=str(washer.pk)
        )
        assert [(row.field, row.old_value, row.new_value) for row in rows] == [
            ("warranty_months", "24", "36")
        ]
