"""Service plans and contracts: the writes refuse bad input whole, naming the field, and are
audited; the pages let admins and managers edit and agents read."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override
from django_scopes import scope

from customers.models import Organization
from helpdesk.models import ConfigurationEvent, Role
from products.demo_contracts import seed_service_contracts
from products.entitlement import unit_entitlement
from products.models import ServiceContract, ServicePlan, UnitEvent
from products.services import (
    service_contract_create,
    service_contract_end,
    service_contract_update,
    service_plan_update,
)
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.products.contract_helpers import contract, gold_plan, washer_unit


@pytest.fixture(autouse=True)
def _english():
    """Labels are compared in English, whatever language an earlier request left active."""
    with override("en"):
        yield


@pytest.fixture
def setup(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        organization = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
        unit = washer_unit(tenant_a, admin_a)
        plan = gold_plan(tenant_a, admin_a)
        yield {"unit": unit, "organization": organization, "plan": plan}


def _create(tenant, actor, plan, **values):
    fields = {
        "plan": plan,
        "reference": "C-1",
        "unit": None,
        "organization": None,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        **values,
    }
    return service_contract_create(tenant=tenant, actor=actor, **fields)


def _field_of(error: ValidationError) -> list[str]:
    return list(error.value.message_dict)


def test_it_puts_a_units_contract_into_the_units_history(tenant_a, admin_a, setup):
    made = _create(tenant_a, admin_a, setup["plan"], unit=setup["unit"])
    event = UnitEvent.objects.filter(unit=setup["unit"], action="contract_added").get()
    assert (event.new_value, event.data["contract"]) == ("C-1", made.pk)
    assert event.actor == admin_a


def test_it_audits_an_organisations_contract_as_configuration(tenant_a, admin_a, setup):
    made = _create(tenant_a, admin_a, setup["plan"], organization=setup["organization"])
    service_contract_end(tenant=tenant_a, actor=admin_a, contract=made, ends_on=date(2026, 6, 30))
    rows = ConfigurationEvent.objects.filter(target_type="products.servicecontract")
    assert [(r.action, r.field, r.new_value) for r in rows.order_by("pk")] == [
        ("created", "", "C-1"),
        ("changed", "ends_on", "2026-06-30"),
    ]
    made.refresh_from_db()
    assert made.ends_on == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"unit": "both"}, "unit"),
        ({}, "unit"),  # neither
        ({"unit": "unit", "ends_on": date(2025, 12, 31)}, "ends_on"),
        ({"unit": "unit", "reference": "  "}, "reference"),
    ],
    ids=["unit-and-organisation", "neither", "ends-before-start", "no-number"],
)
def test_it_refuses_a_bad_contract_naming_the_field_and_writes_nothing(
    tenant_a, admin_a, setup, values, field
):
    if values.get("unit") == "both":
        values = {"unit": setup["unit"], "organization": setup["organization"]}
    elif values.get("unit") == "unit":
        values = {**values, "unit": setup["unit"]}
    with pytest.raises(ValidationError) as error:
        _create(tenant_a, admin_a, setup["plan"], **values)
    assert _field_of(error) == [field]
    assert not ServiceContract.objects.exists()
    assert not UnitEvent.objects.filter(action="contract_added").exists()


def test_it_refuses_a_duplicate_number_whatever_its_case(tenant_a, admin_a, setup):
    _create(tenant_a, admin_a, setup["plan"], unit=setup["unit"])
    with pytest.raises(ValidationError) as error:
        _create(
            tenant_a, admin_a, setup["plan"], reference="c-1", organization=setup["organization"]
        )
    assert _field_of(error) == ["reference"]
    assert ServiceContract.objects.count() == 1


def test_it_names_the_number_when_a_concurrent_save_wins_the_race(
    tenant_a, admin_a, setup, monkeypatch
):
    """The other save commits between the check and the insert: the unique constraint
    catches it and the error still names the field."""
    _create(tenant_a, admin_a, setup["plan"], unit=setup["unit"])
    monkeypatch.setattr("products.services._check_contract", lambda tenant, contract, values: None)
    with pytest.raises(ValidationError) as error:
        _create(tenant_a, admin_a, setup["plan"], organization=setup["organization"])
    assert _field_of(error) == ["reference"]
    assert ServiceContract.objects.count() == 1


def test_it_refuses_another_tenants_plan(tenant_a, tenant_b, admin_a, outsider, setup):
    with scope(tenant=tenant_b):
        theirs = gold_plan(tenant_b, outsider)
    with pytest.raises(ValidationError) as error:
        _create(tenant_a, admin_a, theirs, unit=setup["unit"])
    assert _field_of(error) == ["plan"]


def test_it_refuses_to_end_a_contract_later_than_it_was_to(tenant_a, admin_a, setup):
    made = _create(tenant_a, admin_a, setup["plan"], unit=setup["unit"])
    with pytest.raises(ValidationError) as error:
        service_contract_end(
            tenant=tenant_a, actor=admin_a, contract=made, ends_on=date(2027, 1, 1)
        )
    assert _field_of(error) == ["ends_on"]


def test_it_moves_a_contract_from_a_unit_to_an_organisation(tenant_a, admin_a, setup):
    made = _create(tenant_a, admin_a, setup["plan"], unit=setup["unit"])
    service_contract_update(
        tenant=tenant_a, actor=admin_a, contract=made, unit=None, organization=setup["organization"]
    )
    made.refresh_from_db()
    assert (made.unit_id, made.organization_id) == (None, setup["organization"].pk)


def test_it_refuses_a_second_plan_of_the_same_name(tenant_a, admin_a, setup):
    silver = gold_plan(tenant_a, admin_a, name="Silver")
    with pytest.raises(ValidationError) as error:
        service_plan_update(tenant=tenant_a, actor=admin_a, plan=silver, name=" gold ")
    assert _field_of(error) == ["name"]
    assert sorted(ServicePlan.objects.values_list("name", flat=True)) == ["Gold", "Silver"]


# --- pages ----------------------------------------------------------------------------------------


def _form(plan, **values):
    data = {
        "plan": plan.pk,
        "reference": "GOLD-1",
        "unit_serial": "",
        "organization": "",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "notes": "",
    }
    return {**data, **values}


def test_an_admin_creates_a_contract_by_the_units_serial(tenant_a, admin_a, setup):
    response = client_for(admin_a).post(
        "/service-contracts/new/", _form(setup["plan"], unit_serial=" sn-1001 ")
    )
    assert response.status_code == 302
    made = ServiceContract.objects.get()
    assert (made.reference, made.unit, made.organization) == ("GOLD-1", setup["unit"], None)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"unit_serial": "SN-1001", "organization": "org"},
            "unit_serial",
            "A contract covers a unit or an organisation, not both.",
        ),
        (
            {"unit_serial": "SN-1001", "ends_on": "2025-01-01"},
            "ends_on",
            "The contract cannot end before it starts.",
        ),
        ({"unit_serial": "SN-9999"}, "unit_serial", "No unit with this serial number"),
    ],
    ids=["both", "ends-before-start", "unknown-serial"],
)
def test_the_contract_form_names_the_field_and_saves_nothing(
    tenant_a, admin_a, setup, values, field, message
):
    if values.get("organization") == "org":
        values = {**values, "organization": setup["organization"].pk}
    response = client_for(admin_a).post("/service-contracts/new/", _form(setup["plan"], **values))
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert not ServiceContract.objects.exists()


def test_the_contract_form_names_a_duplicate_number(tenant_a, admin_a, setup):
    contract(tenant_a, admin_a, setup["plan"], reference="GOLD-1", unit=setup["unit"])
    response = client_for(admin_a).post(
        "/service-contracts/new/", _form(setup["plan"], organization=setup["organization"].pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reference"] == ["A contract with this number exists."]
    assert ServiceContract.objects.count() == 1


def test_a_manager_edits_a_plan(tenant_a, setup):
    manager = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="m@acme.test"), role=Role.MANAGER
    )
    plan = setup["plan"]
    data = {"name": "Gold", "first_response_minutes": "20", "preventive_visits_per_year": "4"}
    data.update(covers_parts="on", covers_labour="on", covers_on_site="on", is_active="on")
    response = client_for(manager).post(f"/service-plans/{plan.pk}/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.first_response_minutes, plan.preventive_visits_per_year) == (20, 4)
    assert ConfigurationEvent.objects.filter(
        target_type="products.serviceplan", field="first_response_minutes", new_value="20"
    ).exists()


def test_an_agent_reads_the_lists_but_cannot_edit(tenant_a, admin_a, agent_a, setup):
    contract(tenant_a, admin_a, setup["plan"], reference="GOLD-7", unit=setup["unit"])
    agent = client_for(agent_a)
    listed = agent.get("/service-contracts/")
    assert listed.status_code == 200 and "GOLD-7" in listed.content.decode()
    assert "/service-contracts/new/" not in listed.content.decode()
    assert agent.get("/service-plans/").status_code == 200
    assert agent.get("/service-contracts/new/").status_code == 404
    assert agent.post(f"/service-plans/{setup['plan'].pk}/", {"name": "X"}).status_code == 404


def test_the_contract_list_filters_by_serial_organisation_and_state(
    tenant_a, admin_a, setup, django_assert_max_num_queries
):
    other = washer_unit(tenant_a, admin_a, serial="ZX-77")
    plan, organization = setup["plan"], setup["organization"]
    contract(tenant_a, admin_a, plan, reference="UNIT-NOW", unit=setup["unit"])
    contract(tenant_a, admin_a, plan, reference="OTHER-NOW", unit=other)
    contract(tenant_a, admin_a, plan, reference="ORG-NOW", organization=organization)
    contract(
        tenant_a,
        admin_a,
        plan,
        reference="ORG-OLD",
        organization=organization,
        ends_on=date(2025, 12, 31),
        starts_on=date(2025, 1, 1),
    )
    client = client_for(admin_a)

    def shown(query: str) -> set[str]:
        with django_assert_max_num_queries(12):
            page = client.get(f"/service-contracts/?{query}")
        return {c.reference for c in page.context["contracts"]}

    assert shown("serial=sn-10") == {"UNIT-NOW"}
    assert shown(f"organization={organization.pk}") == {"ORG-NOW", "ORG-OLD"}
    assert shown("state=expired") == {"ORG-OLD"}
    assert shown("state=in_force") == {"UNIT-NOW", "OTHER-NOW", "ORG-NOW"}


def test_the_pages_speak_chinese(tenant_a, admin_a, setup):
    tenant_a.default_language = "zh-hans"
    tenant_a.save(update_fields=["default_language"])
    client = client_for(admin_a)
    assert "服务计划" in client.get("/service-plans/").content.decode()
    assert "服务合同" in client.get("/service-contracts/").content.decode()


# --- demo data ------------------------------------------------------------------------------------


def test_the_demo_gold_contract_waits_for_a_unit_and_is_seeded_once(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        assert seed_service_contracts(tenant_a) is None  # no unit yet: the plan alone
        gold = ServicePlan.objects.get()
        assert (gold.on_site_within_hours, gold.first_response_minutes) == (24, 30)
        assert (gold.covers_parts, gold.covers_labour, gold.preventive_visits_per_year) == (
            True,
            True,
            2,
        )
        unit = washer_unit(tenant_a, admin_a)
        seeded = seed_service_contracts(tenant_a)
        assert seeded.unit == unit and seeded.plan == gold
        assert seed_service_contracts(tenant_a) == seeded
        assert (ServicePlan.objects.count(), ServiceContract.objects.count()) == (1, 1)
        assert unit_entitlement(unit).badges[1] == "Gold contract: on-site 24 h"
