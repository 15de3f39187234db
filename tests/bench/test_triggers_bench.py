"""The triggers benchmark's data (bench.triggers_bench): its 100 triggers are valid definitions,
most never match the ticket mix and a few do, and the ratio is the one of the medians. No time
is measured here."""

import pytest
from django_scopes import scope

from automations.actions import check_actions
from automations.conditions import check_conditions, matches
from bench import triggers_bench
from bench.triggers_bench import Side, ratio, ticket_requests, trigger_definitions
from tests.automations.helpers import make_trigger
from tests.tickets.helpers import make_customer
from tickets.models import Ticket
from tickets.services import ticket_create


def _facts(request: dict, tier: str) -> dict:
    """What the engine's facts say of a new ticket made from ``request``."""
    return {
        "subject": request["subject"],
        "description": request["description"],
        "subject_or_text": "\n".join((request["subject"], request["description"], "")),
        "channel": request["channel"],
        "priority": request["priority"],
        "tags": request["tags"],
        "tier": tier,
        "is_vip": tier in ("vip", "important"),
    }


def test_the_hundred_triggers_are_valid_ordered_and_off_until_the_run():
    definitions = trigger_definitions(100, "ticket.created")

    assert len(definitions) == 100
    assert [d["position"] for d in definitions] == list(range(1, 101))
    assert len({d["name"] for d in definitions}) == 100
    for definition in definitions:
        assert check_conditions(definition["conditions"]) == definition["conditions"]
        assert check_actions(definition["actions"]) == definition["actions"]
        assert definition["event"] == "ticket.created" and definition["is_active"] is False
    assert {d["event"] for d in trigger_definitions(3, "ticket.updated")} == {"ticket.updated"}


def test_most_triggers_never_match_the_mix_and_a_few_match_some_tickets():
    definitions = trigger_definitions(100, "ticket.created")
    tiers = triggers_bench.customer_tiers(triggers_bench.CUSTOMERS)
    requests = ticket_requests(500)
    matched = {
        d["name"]
        for request in requests
        for d in definitions
        if matches(d["conditions"], _facts(request, tiers[request["customer"]]))
    }
    firings = sum(
        matches(d["conditions"], _facts(request, tiers[request["customer"]]))
        for request in requests
        for d in definitions
    )

    assert matched == {f"Rule {n + 1:03d}" for n in range(0, 100, 10)}
    assert 0.5 < firings / len(requests) < 2.5  # about one or two rules a ticket, not all


def test_the_ticket_mix_is_the_same_for_a_seed_and_varied_within_it():
    assert ticket_requests(50, seed=4) == ticket_requests(50, seed=4)
    assert ticket_requests(50, seed=4) != ticket_requests(50, seed=5)
    mix = ticket_requests(300)
    assert {r["channel"] for r in mix} == set(triggers_bench.CHANNELS)
    assert {r["priority"] for r in mix} == {"low", "normal", "high"}
    assert all(0 <= r["customer"] < triggers_bench.CUSTOMERS for r in mix)


def test_customers_are_spread_over_the_tiers_in_their_shares():
    tiers = triggers_bench.customer_tiers(300)

    assert len(tiers) == 300
    assert [tiers.count(code) for code in triggers_bench.TIER_CODES] == [15, 45, 180, 60]


def test_the_ratio_is_of_the_median_throughputs_of_the_rounds():
    without, with_triggers = Side("0 triggers"), Side("100 triggers")
    for wall in ([10.0, 10.0], [20.0, 20.0], [12.5, 12.5]):  # 100, 50, 80 tickets/s
        without.add_round(wall, wall)
    for wall in ([25.0, 25.0], [10.0, 10.0], [20.0, 20.0]):  # 40, 100, 50 tickets/s
        with_triggers.add_round(wall, wall)

    assert without.per_second == pytest.approx([100.0, 50.0, 80.0])
    assert without.median_per_second() == pytest.approx(80.0)
    assert ratio(with_triggers, without) == pytest.approx(50.0 / 80.0)


@pytest.mark.django_db
def test_a_matching_bench_trigger_changes_a_ticket_made_through_the_service(tenant_a):
    e4 = trigger_definitions(12, "ticket.created")[10]  # subject contains "E4" → high
    with scope(tenant=tenant_a):
        make_trigger(tenant_a, **{**e4, "is_active": True})
        customer = make_customer(tenant_a)
        request = next(r for r in ticket_requests(100) if "E4" in r["subject"])
        request = {**request, "priority": "normal", "channel": "web"}
        del request["customer"]
        ticket = ticket_create(tenant=tenant_a, customer=customer, **request)
        ticket = Ticket.objects.get(pk=ticket.pk)

    assert ticket.priority == "high"
