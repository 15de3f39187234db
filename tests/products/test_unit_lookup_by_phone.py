"""Finding a caller's units by the phone number they give, however it is written."""

from datetime import date

import pytest
from django_scopes import scope

from customers.models import normalise_phone
from customers.services import customer_anonymise, customer_update
from products.selectors import units_find_by_phone
from products.services import product_create, unit_register
from tests.factories import CustomerFactory

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("(+86) 138.0013.8000", "13800138000"),
        # Full-width digits, as a Chinese input method types them.
        (
            "\uff18\uff16\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
            "13800138000",
        ),
        # Not a mobile after the 86: a landline keeps its digits as they are.
        ("+86 10 6552 9988", "861065529988"),
        ("010-6552-9988", "01065529988"),
        ("+49 30 1234567", "49301234567"),
        ("  ", ""),
        ("ext.", ""),
    ],
)
def test_it_normalises_a_phone_number_to_its_digits(typed, normalised):
    assert normalise_phone(typed) == normalised


@pytest.fixture
def washer(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        return product_create(
            tenant=tenant_a, actor=admin_a, model_code="WM-800", name="Washer", warranty_months=24
        )


def _register(tenant, actor, product, customer, serial):
    return unit_register(
        tenant=tenant,
        actor=actor,
        serial=serial,
        product=product,
        customer=customer,
        purchased_on=date(2026, 3, 1),
        today=TODAY,
    )


def test_it_finds_the_owners_units_however_the_number_is_typed(
    tenant_a, admin_a, washer, django_assert_num_queries
):
    owner = CustomerFactory(tenant=tenant_a, phone="+86 138-0013-8000")
    neighbour = CustomerFactory(tenant=tenant_a, phone="13900139000")
    with scope(tenant=tenant_a):
        first = _register(tenant_a, admin_a, washer, owner, "SN-1")
        second = _register(tenant_a, admin_a, washer, owner, "SN-2")
        _register(tenant_a, admin_a, washer, neighbour, "SN-3")
        for typed in ("13800138000", "0086 138 0013 8000", "138 0013 8000"):
            with django_assert_num_queries(1):
                found = [
                    (u, u.product.model_code, u.customer.name)
                    for u in units_find_by_phone(phone=typed)
                ]
            assert {row[0] for row in found} == {first, second}
            assert {row[1:] for row in found} == {("WM-800", owner.name)}


def test_it_does_not_find_another_tenants_units_with_the_same_number(
    tenant_a, tenant_b, admin_a, outsider, washer
):
    with scope(tenant=tenant_b):
        globex_washer = product_create(
            tenant=tenant_b, actor=outsider, model_code="WM-800", name="Washer"
        )
        stranger = CustomerFactory(tenant=tenant_b, phone="13800138000")
        _register(tenant_b, outsider, globex_washer, stranger, "SN-1")
    owner = CustomerFactory(tenant=tenant_a, phone="13800138000")
    with scope(tenant=tenant_a):
        mine = _register(tenant_a, admin_a, washer, owner, "SN-1")
        assert list(units_find_by_phone(phone="+8613800138000")) == [mine]


def test_it_finds_nothing_for_a_number_without_digits(tenant_a, admin_a, washer):
    no_phone = CustomerFactory(tenant=tenant_a, phone="")
    with scope(tenant=tenant_a):
        _register(tenant_a, admin_a, washer, no_phone, "SN-1")
        assert list(units_find_by_phone(phone="")) == []
        assert list(units_find_by_phone(phone=" - ")) == []


def test_it_follows_a_phone_number_changed_on_the_profile(tenant_a, admin_a, washer):
    owner = CustomerFactory(tenant=tenant_a, phone="13800138000")
    with scope(tenant=tenant_a):
        unit = _register(tenant_a, admin_a, washer, owner, "SN-1")
        customer_update(
            customer=owner,
            actor=admin_a,
            name=owner.name,
            email=owner.email,
            phone="+86 139 0013 9000",
            organization=None,
            tier=None,
            tags=[],
            account_manager=None,
            key_info="",
            notes="",
            language="",
        )
        assert list(units_find_by_phone(phone="13900139000")) == [unit]
        assert list(units_find_by_phone(phone="13800138000")) == []


def test_it_forgets_the_number_of_an_anonymised_owner(tenant_a, admin_a, washer):
    owner = CustomerFactory(tenant=tenant_a, phone="13800138000")
    with scope(tenant=tenant_a):
        _register(tenant_a, admin_a, washer, owner, "SN-1")
        customer_anonymise(customer=owner, by=admin_a, reason="The customer asked.")
        owner.refresh_from_db()
        assert (owner.phone, owner.phone_normalised) == ("", "")
        assert list(units_find_by_phone(phone="13800138000")) == []
