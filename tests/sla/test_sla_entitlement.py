"""The SLA follows the ticket's entitlement: a policy can match on it, and a service
contract's targets win over the tier's policy, end to end on real tickets."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override
from django_scopes import scope

from customers.models import Tier
from sla.models import Calendar, SlaPolicy, TicketSla
from sla.sweeper import sweep_due
from tests.api.conftest import post_json, token_client
from tests.conftest import client_for
from tests.products.contract_helpers import contract, gold_plan, washer_unit
from tests.tickets.helpers import make_customer, properties_of
from tickets import events as ticket_events
from tickets import services as ticket_services
from tickets.intake import ticket_intake
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _english():
    """Labels are compared in English, whatever language an earlier request left active."""
    with override("en"):
        yield


@pytest.fixture
def desk(tenant_a, admin_a):
    """A tier policy of 60 minutes (24×7), a Gold customer's unit with a 30-minute contract,
    and an out-of-warranty unit of the same customer without one."""
    with scope(tenant=tenant_a):
        always = Calendar.objects.create(tenant=tenant_a, name="24×7", is_24x7=True)
        tier = Tier.objects.create(tenant=tenant_a, code="regular", name="Regular", rank=100)
        policy = SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Regular tier",
            calendar=always,
            first_response_minutes=60,
            resolution_minutes=24 * 60,
        )
        policy.tiers.set([tier])
        customer = make_customer(tenant_a, email="li@example.test", tier_code="regular")
        covered = washer_unit(tenant_a, admin_a, serial="SN-GOLD", customer=customer)
        old = washer_unit(
            tenant_a, admin_a, serial="SN-OLD", customer=customer, purchased_on=date(2020, 1, 1)
        )
        gold = gold_plan(tenant_a, admin_a)
        gold_contract = contract(tenant_a, admin_a, gold, reference="GOLD-1", unit=covered)
        yield {
            "calendar": always,
            "policy": policy,
            "customer": customer,
            "covered": covered,
            "old": old,
            "contract": gold_contract,
        }


def _minutes_to_first_response(ticket: Ticket) -> float:
    sla = TicketSla.objects.get(ticket=ticket)
    return (sla.first_response_due_at - ticket.created_at).total_seconds() / 60


def test_a_contracts_response_target_wins_over_the_tier_policy(tenant_a, agent_a, desk):
    with scope(tenant=tenant_a):
        covered = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="sn-gold", subject="Drum stuck"
        )
        plain = ticket_intake(
            tenant=tenant_a, requester=desk["customer"], actor=agent_a, subject="Manual?"
        )
        assert covered.customer == plain.customer == desk["customer"]
        assert _minutes_to_first_response(covered) == 30
        assert _minutes_to_first_response(plain) == 60
        sla = TicketSla.objects.get(ticket=covered)
        # The policy still gives the calendar and its other targets; the contract is named.
        assert (sla.policy, sla.contract) == (desk["policy"], desk["contract"])
        assert sla.resolution_due_at == covered.created_at + timedelta(hours=24)
        assert sla.entitlement_kinds == ["contract", "in_warranty"]


def test_the_api_ticket_with_a_serial_gets_the_contracts_target(tenant_a, admin_a, desk):
    response = post_json(
        token_client(admin_a), "/api/v1/tickets/", {"subject": "Leaks", "unit": "SN-GOLD"}
    )
    assert response.status_code == 201
    due = response.json()["sla"]["first_response_due_at"]
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get(number=response.json()["number"])
        assert _minutes_to_first_response(ticket) == 30
    assert due.startswith(
        timezone.localtime(ticket.created_at + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    )


def test_a_policy_for_out_of_warranty_tickets_matches_only_those(tenant_a, agent_a, desk):
    with scope(tenant=tenant_a):
        paid = SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Paid repairs",
            position=5,
            entitlements=["out_of_warranty"],
            calendar=desk["calendar"],
            first_response_minutes=240,
        )

        def intake(**fields):
            return ticket_intake(
                tenant=tenant_a, requester=desk["customer"], actor=agent_a, subject="x", **fields
            )

        out_of_warranty = intake(unit=desk["old"])
        in_warranty = intake(unit=desk["covered"])
        no_unit = intake()
        policies = {
            t.number: TicketSla.objects.get(ticket=t).policy
            for t in (out_of_warranty, in_warranty, no_unit)
        }
        assert policies == {
            out_of_warranty.number: paid,
            in_warranty.number: desk["policy"],
            no_unit.number: desk["policy"],
        }
        assert _minutes_to_first_response(out_of_warranty) == 240


def test_the_targets_stay_as_promised_until_the_unit_changes(tenant_a, admin_a, agent_a, desk):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum stuck"
        )
        # The plan is made slower and the contract ends: the open ticket keeps its 30 min.
        plan = desk["contract"].plan
        plan.first_response_minutes = 90
        plan.save()
        desk["contract"].delete()
        ticket_events.ticket_status_changed.send(sender=Ticket, ticket=ticket, actor=None)
        assert _minutes_to_first_response(ticket) == 30
        # Another unit named: the entitlement is read again, and the contract is gone.
        Ticket.objects.filter(pk=ticket.pk).update(unit=desk["old"])
        ticket.refresh_from_db()
        ticket_events.ticket_changed.send(
            sender=Ticket, ticket=ticket, actor=admin_a, field="unit", old="", new=""
        )
        sla = TicketSla.objects.get(ticket=ticket)
        assert (sla.contract, sla.contract_first_response_minutes) == (None, None)
        assert sla.entitlement_kinds == ["out_of_warranty"]
        assert _minutes_to_first_response(ticket) == 60


def test_a_contract_gives_targets_where_no_policy_matches(tenant_a, agent_a, desk):
    """Documented choice: the contract's targets on the first active policy's calendar."""
    with scope(tenant=tenant_a):
        desk["policy"].tiers.set([Tier.objects.create(tenant=tenant_a, code="vip", name="VIP")])
        covered = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum stuck"
        )
        plain = ticket_intake(
            tenant=tenant_a, requester=desk["customer"], actor=agent_a, subject="Manual?"
        )
        sla = TicketSla.objects.get(ticket=covered)
        assert (sla.policy, sla.contract) == (None, desk["contract"])
        assert _minutes_to_first_response(covered) == 30
        assert sla.resolution_due_at is None and sla.colour == "green"
        assert TicketSla.objects.get(ticket=plain).first_response_due_at is None


def test_the_sweeper_reads_nothing_more_for_a_contracts_tickets(tenant_a, agent_a, desk):
    """Five tickets under the contract breach at 30 min, five without a unit at 60 min: the
    same checkpoints, and the same number of queries to record them (the entitlement and the
    contract's targets are read off the SLA rows the sweep claims)."""

    def sweep(unit, minutes) -> int:
        with scope(tenant=tenant_a):
            Ticket.objects.all().delete()
            for _ in range(5):
                ticket_intake(
                    tenant=tenant_a,
                    requester=desk["customer"],
                    actor=agent_a,
                    unit=unit,
                    subject="x",
                )
        with CaptureQueriesContext(connection) as captured:
            assert sweep_due(now=timezone.now() + timedelta(minutes=minutes)) == 5
        with scope(tenant=tenant_a):
            assert TicketSla.objects.filter(first_response_breached_at__isnull=False).count() == 5
        return len(captured)

    assert sweep("SN-GOLD", 31) == sweep(None, 61)


def test_the_ticket_page_shows_the_entitlement_and_the_contracts_target(tenant_a, agent_a, desk):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum stuck"
        )
    page = client_for(agent_a).get(f"/tickets/{ticket.number}/").content.decode()
    assert '<span class="badge warranty-in">In warranty until 2028-02-29</span>' in page
    assert '<span class="badge contract">Gold contract: on-site 24 h</span>' in page
    assert "Gold contract: first response 30 min" in page


def test_the_ticket_pages_queries_do_not_grow_with_its_history(tenant_a, agent_a, desk):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum stuck"
        )
    client = client_for(agent_a)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/tickets/{ticket.number}/")
        assert "Gold contract: first response 30 min" in response.content.decode()
        return len(captured)

    def notes(count: int) -> None:
        with scope(tenant=tenant_a):
            for i in range(count):
                ticket_services.ticket_reply(
                    ticket=ticket, actor=agent_a, body=f"{i}", internal=True
                )

    notes(2)
    client.get(f"/tickets/{ticket.number}/")  # warm the session and caches
    short = page_queries()
    notes(20)
    assert page_queries() == short


def test_a_policy_refuses_an_unknown_entitlement(tenant_a, admin_a, desk):
    client = client_for(admin_a)
    data = {
        "name": "Odd",
        "position": 1,
        "is_active": "on",
        "calendar": desk["calendar"].pk,
        "first_response_minutes": "30",
        "amber_percent": 75,
        "manager_after_percent": 50,
    }
    bad = client.post("/settings/sla/policies/new/", {**data, "entitlements": ["gold"]})
    assert "entitlements" in bad.context["form"].errors
    good = client.post(
        "/settings/sla/policies/new/", {**data, "entitlements": ["contract", "no_unit"]}
    )
    assert good.status_code == 302
    with scope(tenant=tenant_a):
        assert SlaPolicy.objects.get(name="Odd").entitlements == ["contract", "no_unit"]
    listed = token_client(admin_a).get("/api/v1/sla-policies/").json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    assert {p["name"]: p["entitlements"] for p in listed}["Odd"] == ["contract", "no_unit"]


# --- the unit named after intake ------------------------------------------------------------


def test_naming_the_unit_on_the_ticket_page_brings_its_contract_into_the_sla(
    tenant_a, agent_a, desk
):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=desk["customer"], actor=agent_a, subject="Noise"
        )
        assert _minutes_to_first_response(ticket) == 60

    page = client_for(agent_a).post(
        f"/tickets/{ticket.number}/properties/", properties_of(ticket, serial=" sn-gold ")
    )

    assert page.status_code == 302
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert ticket.unit == desk["covered"]
        assert _minutes_to_first_response(ticket) == 30
        event = ticket.events.get(field="unit")
        assert (event.actor_id, event.old_value, event.new_value) == (agent_a.pk, "", "SN-GOLD")


def test_an_unknown_serial_names_the_field_and_changes_nothing(tenant_a, tenant_b, agent_a, desk):
    with scope(tenant=tenant_b):
        washer_unit(tenant_b, None, serial="SN-ELSEWHERE")
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=desk["customer"], actor=agent_a, subject="Noise"
        )
    client = client_for(agent_a)

    for serial in ("SN-NOPE", "sn-elsewhere"):  # another tenant's serial is unknown here
        page = client.post(
            f"/tickets/{ticket.number}/properties/", properties_of(ticket, serial=serial)
        )
        assert page.status_code == 400
        assert "No unit with this serial number is registered." in page.content.decode()

    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
        assert ticket.unit is None
        assert not ticket.events.filter(field="unit").exists()


def test_the_api_changes_and_clears_the_unit(tenant_a, admin_a, agent_a, desk):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum"
        )
        assert _minutes_to_first_response(ticket) == 30
    client = token_client(admin_a)
    url = f"/api/v1/tickets/{ticket.number}/"

    moved = client.patch(url, {"unit": "sn-old"}, content_type="application/json")
    assert moved.status_code == 200
    assert moved.json()["unit"]["serial"] == "SN-OLD"
    with scope(tenant=tenant_a):
        assert _minutes_to_first_response(Ticket.objects.get(pk=ticket.pk)) == 60

    unknown = client.patch(url, {"unit": "SN-NOPE"}, content_type="application/json")
    assert unknown.status_code == 400
    assert unknown.json()["unit"] == ["No unit with this id or serial number."]

    cleared = client.patch(url, {"unit": None}, content_type="application/json")
    assert cleared.status_code == 200 and cleared.json()["unit"] is None


def test_a_closed_ticket_keeps_its_unit(tenant_a, agent_a, desk):
    with scope(tenant=tenant_a):
        ticket = ticket_intake(
            tenant=tenant_a, requester=None, actor=agent_a, unit="SN-GOLD", subject="Drum"
        )
        Ticket.objects.filter(pk=ticket.pk).update(status="closed")
        ticket.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            ticket_services.ticket_change_unit(ticket=ticket, actor=agent_a, unit=desk["old"])
        assert "unit" in refused.value.message_dict
        ticket.refresh_from_db()
        assert ticket.unit == desk["covered"]
