"""Satisfaction rate, CSI and NPS on hand-computed examples, with the edge cases."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from surveys.metrics import csi, responses_filtered, survey_metrics
from surveys.models import SurveyInvitation, SurveyResponse
from tests.factories import CustomerFactory, MembershipFactory, TeamFactory, TicketFactory

EQUAL = {"response_speed": 1, "resolution": 1, "professionalism": 1, "product": 1}


@pytest.fixture
def respond(tenant_a):
    """respond(overall, nps=…, **dimensions) → a stored response (no services: pure data)."""
    counter = iter(range(10_000))

    def make(overall, *, agent=None, team=None, tier=None, created_at=None, **answers):
        ticket = TicketFactory(tenant=tenant_a, customer=CustomerFactory(tenant=tenant_a))
        n = next(counter)
        invitation = SurveyInvitation.objects.create(
            tenant=tenant_a,
            ticket=ticket,
            customer=ticket.customer,
            token_nonce=str(n),
            token_hash=f"{n:064d}",
            expires_at=timezone.now() + timedelta(days=1),
        )
        return SurveyResponse.objects.create(
            tenant=tenant_a,
            invitation=invitation,
            ticket=ticket,
            overall=overall,
            agent=agent,
            team=team,
            tier=tier,
            created_at=created_at or timezone.now(),
            **answers,
        )

    return make


def metrics(weights=None):
    return survey_metrics(SurveyResponse.objects.all(), weights=weights or EQUAL)


def test_it_gives_none_not_zero_when_there_are_no_responses(tenant_a):
    result = metrics()
    assert result.responses == 0
    assert (result.satisfaction_rate, result.csi, result.nps) == (None, None, None)
    assert set(result.dimension_means.values()) == {None}


def test_it_computes_the_satisfaction_rate_as_the_share_of_4_and_5(respond):
    for overall in (5, 5, 4, 1, 3):
        respond(overall)
    assert metrics().satisfaction_rate == Decimal("60.00")  # 3 of 5


def test_it_rounds_the_satisfaction_rate_to_two_places(respond):
    for overall in (5, 4, 2):
        respond(overall)
    assert metrics().satisfaction_rate == Decimal("66.67")


def test_it_weights_the_dimension_means_into_the_csi(respond):
    respond(5, response_speed=5, resolution=4, professionalism=5, product=3)
    respond(3, response_speed=3, resolution=2, professionalism=4)
    weights = {"response_speed": 2, "resolution": 3, "professionalism": 1, "product": 4}
    result = metrics(weights)
    # means: speed 4, resolution 3, professionalism 4.5, product 3 (one rating)
    assert result.dimension_means == {
        "response_speed": Decimal("4.00"),
        "resolution": Decimal("3.00"),
        "professionalism": Decimal("4.50"),
        "product": Decimal("3.00"),
    }
    # (2·4 + 3·3 + 1·4.5 + 4·3) / (2 + 3 + 1 + 4) = 33.5 / 10
    assert result.csi == Decimal("3.35")


def test_a_dimension_nobody_rated_leaves_both_sums(respond):
    respond(4, response_speed=5, resolution=3)
    weights = {"response_speed": 1, "resolution": 3, "professionalism": 5, "product": 5}
    assert metrics(weights).csi == Decimal("3.50")  # (1·5 + 3·3) / 4


def test_the_csi_formula_on_its_own():
    means = {"a": Decimal(4), "b": Decimal(2), "c": None}
    assert csi(means, {"a": 1, "b": 1, "c": 10}) == Decimal("3.00")
    assert csi(means, {"a": 0, "b": 0, "c": 1}) is None
    assert csi({"a": None}, {"a": 1}) is None


def test_it_computes_nps_as_promoters_minus_detractors(respond):
    for nps in (10, 9, 8, 7, 6, 0):
        respond(4, nps=nps)
    respond(4)  # no NPS given: not counted
    assert metrics().nps == Decimal("0.00")  # 2 promoters, 2 detractors of 6


def test_it_computes_a_positive_nps(respond):
    for nps in (10, 10, 10, 6):
        respond(5, nps=nps)
    assert metrics().nps == Decimal("50.00")  # 75 % minus 25 %


def test_all_detractors_give_minus_100(respond):
    for nps in (0, 3, 6):
        respond(1, nps=nps)
    result = metrics()
    assert result.nps == Decimal("-100.00")
    assert result.satisfaction_rate == Decimal("0.00")


def test_it_filters_by_agent_team_tier_ticket_and_period(respond, tenant_a):
    from customers.models import Tier

    agent = MembershipFactory(tenant=tenant_a)
    team = TeamFactory(tenant=tenant_a)
    tier = Tier.objects.get(code="vip")
    last_month = timezone.now() - timedelta(days=40)
    mine = respond(5, agent=agent, team=team, tier=tier, nps=10)
    respond(1, nps=0, created_at=last_month)
    respond(2, team=team)
    everything = SurveyResponse.objects.all()

    def rate(**filters):
        return survey_metrics(responses_filtered(everything, **filters), weights=EQUAL)

    assert rate(agent=agent).satisfaction_rate == Decimal("100.00")
    assert rate(team=team).satisfaction_rate == Decimal("50.00")
    assert rate(tier=tier).nps == Decimal("100.00")
    assert rate(ticket=mine.ticket).responses == 1
    assert rate(since=timezone.now() - timedelta(days=7)).responses == 2
    assert rate(until=timezone.now() - timedelta(days=7)).nps == Decimal("-100.00")


def test_it_computes_everything_in_one_query(respond, django_assert_num_queries):
    for overall in (5, 4, 1):
        respond(overall, nps=9, response_speed=overall)
    with django_assert_num_queries(1):
        metrics()
