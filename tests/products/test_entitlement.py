"""Entitlement: what a unit's warranty and contracts cover on a day. The rules through the
pure ``entitlement_of``; the loading through ``unit_entitlement`` on the database."""

from datetime import date

import pytest
from django.utils.translation import override
from django_scopes import scope

from customers.models import Organization
from products.entitlement import Kind, entitlement_of, unit_entitlement
from products.models import Product, ServiceContract, ServicePlan, Unit
from tests.products.contract_helpers import contract, gold_plan, washer_unit

DAY = date(2027, 6, 1)


@pytest.fixture(autouse=True)
def _english():
    """Labels are compared in English, whatever language an earlier request left active."""
    with override("en"):
        yield


def _unit(*, warranty_months=24, purchased_on=date(2026, 3, 1), organization_id=None) -> Unit:
    product = Product(
        model_code="WM-800",
        name="Washer",
        warranty_months=warranty_months,
        covers_parts=True,
        covers_labour=False,
        covers_on_site=False,
    )
    return Unit(
        pk=1,
        serial="SN-1",
        product=product,
        purchased_on=purchased_on,
        organization_id=organization_id,
    )


def _contract(pk, plan, *, unit_id=None, organization_id=None, ends_on=date(2030, 1, 1)):
    return ServiceContract(
        pk=pk,
        plan=plan,
        unit_id=unit_id,
        organization_id=organization_id,
        starts_on=date(2026, 1, 1),
        ends_on=ends_on,
    )


def _plan(name="Gold", **fields):
    defaults = {"covers_parts": True, "covers_labour": True, "covers_on_site": True}
    return ServicePlan(name=name, **{**defaults, **fields})


def test_it_covers_what_the_warranty_covers_when_there_is_no_contract():
    entitlement = entitlement_of(unit=_unit(), contracts=[], day=DAY)
    assert entitlement.kinds == {Kind.IN_WARRANTY}
    assert (entitlement.covers_parts, entitlement.covers_labour, entitlement.covers_on_site) == (
        True,
        False,
        False,
    )
    assert entitlement.first_response_minutes is None
    assert entitlement.badges == ["In warranty until 2028-02-29"]


def test_it_covers_an_out_of_warranty_unit_through_its_contract_only():
    unit = _unit(warranty_months=12)  # ended 2027-02-28
    gold = _plan(on_site_within_hours=24, first_response_minutes=30)
    entitlement = entitlement_of(unit=unit, contracts=[_contract(1, gold, unit_id=1)], day=DAY)
    assert entitlement.kinds == {Kind.OUT_OF_WARRANTY, Kind.CONTRACT}
    assert (entitlement.covers_parts, entitlement.covers_labour, entitlement.covers_on_site) == (
        True,
        True,
        True,
    )
    assert entitlement.first_response_minutes == 30
    assert entitlement.badges == ["Out of warranty", "Gold contract: on-site 24 h"]


def test_it_adds_the_contract_to_the_warranty_and_takes_the_strictest_targets():
    gold = _plan("Gold", first_response_minutes=30, resolution_minutes=600, covers_on_site=False)
    silver = _plan("Silver", first_response_minutes=60, resolution_minutes=480)
    contracts = [_contract(1, silver, unit_id=1), _contract(2, gold, unit_id=1)]
    entitlement = entitlement_of(unit=_unit(), contracts=contracts, day=DAY)
    assert entitlement.kinds == {Kind.IN_WARRANTY, Kind.CONTRACT}
    assert [c.plan.name for c in entitlement.contracts] == ["Gold", "Silver"]  # best first
    assert (entitlement.first_response_minutes, entitlement.resolution_minutes) == (30, 480)
    assert entitlement.covers_labour and entitlement.covers_on_site  # labour: the contracts


def test_it_ignores_an_expired_contract_and_an_inactive_plan():
    expired = _contract(1, _plan(first_response_minutes=30), unit_id=1, ends_on=date(2027, 5, 31))
    inactive = _contract(2, _plan("Old", first_response_minutes=10, is_active=False), unit_id=1)
    entitlement = entitlement_of(
        unit=_unit(warranty_months=6), contracts=[expired, inactive], day=DAY
    )
    assert entitlement.kinds == {Kind.OUT_OF_WARRANTY}
    assert entitlement.contracts == ()
    assert entitlement.first_response_minutes is None
    assert not (entitlement.covers_parts or entitlement.covers_labour)


def test_it_counts_a_contract_of_the_units_organisation_but_not_of_another():
    ours = _contract(1, _plan(first_response_minutes=45), organization_id=7)
    theirs = _contract(2, _plan("Other", first_response_minutes=5), organization_id=8)
    entitlement = entitlement_of(
        unit=_unit(warranty_months=6, organization_id=7), contracts=[ours, theirs], day=DAY
    )
    assert entitlement.kinds == {Kind.OUT_OF_WARRANTY, Kind.CONTRACT}
    assert entitlement.first_response_minutes == 45


def test_it_entitles_a_ticket_without_a_unit_to_nothing():
    entitlement = entitlement_of(unit=None, contracts=[], day=DAY)
    assert entitlement.kinds == {Kind.NO_UNIT}
    assert entitlement.badges == []
    assert not (entitlement.covers_parts or entitlement.covers_labour or entitlement.covers_on_site)


# --- the same rules on the database --------------------------------------------------------------


@pytest.fixture
def scoped(tenant_a):
    with scope(tenant=tenant_a):
        yield


@pytest.mark.usefixtures("scoped")
def test_it_loads_the_units_and_its_organisations_contracts_in_force(
    tenant_a, admin_a, django_assert_num_queries
):
    organization = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
    unit = washer_unit(tenant_a, admin_a, organization=organization)
    gold = gold_plan(tenant_a, admin_a)
    silver = gold_plan(tenant_a, admin_a, name="Silver", first_response_minutes=120)
    contract(tenant_a, admin_a, silver, reference="ORG-1", organization=organization)
    contract(tenant_a, admin_a, gold, reference="U-1", unit=unit)
    contract(tenant_a, admin_a, gold, reference="U-OLD", unit=unit, ends_on=date(2026, 6, 30))
    other = washer_unit(tenant_a, admin_a, serial="SN-2002")
    contract(tenant_a, admin_a, gold, reference="OTHER", unit=other)
    with django_assert_num_queries(1):
        entitlement = unit_entitlement(unit, date(2026, 12, 7))
    assert [c.reference for c in entitlement.contracts] == ["U-1", "ORG-1"]
    assert entitlement.kinds == {Kind.IN_WARRANTY, Kind.CONTRACT}
    assert entitlement.first_response_minutes == 30
    assert entitlement.badges == [
        "In warranty until 2028-02-29",
        "Gold contract: on-site 24 h",
        "Silver contract: on-site 24 h",
    ]


@pytest.mark.usefixtures("scoped")
def test_it_drops_an_inactive_plan_and_an_expired_contract_from_the_database(tenant_a, admin_a):
    unit = washer_unit(tenant_a, admin_a, purchased_on=date(2024, 1, 1))  # out since 2025
    retired = gold_plan(tenant_a, admin_a, name="Retired", is_active=False)
    contract(tenant_a, admin_a, retired, reference="R-1", unit=unit)
    gold = gold_plan(tenant_a, admin_a)
    contract(tenant_a, admin_a, gold, reference="G-1", unit=unit, ends_on=date(2026, 11, 30))
    entitlement = unit_entitlement(unit, date(2026, 12, 7))
    assert entitlement.kinds == {Kind.OUT_OF_WARRANTY}
    assert entitlement.badges == ["Out of warranty"]
    assert unit_entitlement(unit, date(2026, 11, 30)).kinds == {Kind.OUT_OF_WARRANTY, Kind.CONTRACT}


@pytest.mark.usefixtures("scoped")
def test_it_entitles_no_unit_to_nothing_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert unit_entitlement(None).kinds == {Kind.NO_UNIT}
