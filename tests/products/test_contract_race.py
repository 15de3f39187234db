"""Two saves of one contract number at once: both pass the check, the unique constraint
keeps one, and the other gets the same field error as a plain duplicate."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scope

from customers.models import Organization
from products import services
from products.models import ServiceContract
from tests.products.contract_helpers import gold_plan, washer_unit


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_of_two_concurrent_contracts_with_one_number(tenant_a, admin_a, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions; CI runs this on PostgreSQL")
    with scope(tenant=tenant_a):
        unit = washer_unit(tenant_a, admin_a)
        organization = Organization.objects.create(tenant=tenant_a, name="ACME Retail")
        plan = gold_plan(tenant_a, admin_a)
    # Both saves wait until both have passed the duplicate check: the race, made certain.
    barrier = threading.Barrier(2, timeout=10)
    check = services._check_contract

    def checked_then_wait(tenant, contract, values):
        check(tenant, contract, values)
        barrier.wait()

    monkeypatch.setattr(services, "_check_contract", checked_then_wait)
    outcomes = []

    def save(**covers):
        try:
            with scope(tenant=tenant_a):
                services.service_contract_create(
                    tenant=tenant_a,
                    actor=admin_a,
                    plan=plan,
                    reference="GOLD-1",
                    starts_on=date(2026, 1, 1),
                    ends_on=date(2026, 12, 31),
                    **covers,
                )
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(error.message_dict)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, kwargs={"unit": unit, "organization": None}),
        threading.Thread(target=save, kwargs={"unit": None, "organization": organization}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "saved" in outcomes
    assert [o for o in outcomes if o != "saved"] == [
        {"reference": ["A contract with this number exists."]}
    ]
    with scope(tenant=tenant_a):
        assert ServiceContract.objects.count() == 1
