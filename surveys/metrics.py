"""Satisfaction metrics (满意度指标): the one module that computes them.

For any queryset of ``SurveyResponse`` (narrow it with ``responses_filtered`` by ticket, agent,
team, tier and period):

* **satisfaction rate** = share of responses whose overall rating is ≥ 4, in percent
  (target ≥ 90 %);
* **CSI** (customer satisfaction index) = Σ wᵢ·sᵢ / Σ wᵢ over the rated dimensions, where wᵢ is
  the tenant's weight of dimension i and **sᵢ is the mean rating (1–5) of dimension i over the
  responses that rated it**; a dimension nobody rated is left out of both sums. The result is
  on the same 1–5 scale;
* **NPS** = % promoters (9–10) minus % detractors (0–6) among responses that gave an NPS score,
  from -100 to +100.

Every metric is ``None`` when there is nothing to compute it from (no responses), never 0: an
empty month is not a failing month. One aggregate query computes all of them.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet

from helpdesk.models import Membership, Team
from tickets.models import Ticket

from .models import (
    DIMENSIONS,
    NPS_DETRACTOR_UP_TO,
    NPS_PROMOTER_FROM,
    SATISFIED_FROM,
    SurveyResponse,
)

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class SurveyMetrics:
    responses: int
    satisfaction_rate: Decimal | None  # percent
    csi: Decimal | None  # 1–5
    nps: Decimal | None  # -100 … 100
    dimension_means: dict[str, Decimal | None]


def responses_filtered(
    responses: QuerySet[SurveyResponse],
    *,
    ticket: Ticket | None = None,
    agent: Membership | None = None,
    team: Team | None = None,
    tier=None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[SurveyResponse]:
    """Narrow by ticket, agent (the assignee when the customer answered), team, tier, and the
    period ``since <= answered < until``. Agent, team and tier are the answer's snapshot."""
    conditions = {
        "ticket": ticket,
        "agent": agent,
        "team": team,
        "tier": tier,
        "created_at__gte": since,
        "created_at__lt": until,
    }
    return responses.filter(
        **{key: value for key, value in conditions.items() if value is not None}
    )


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(TWO_PLACES, ROUND_HALF_UP)


def _as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def csi(means: dict[str, Decimal | None], weights: dict[str, Decimal]) -> Decimal | None:
    """Σ wᵢ·sᵢ / Σ wᵢ over the dimensions that have a mean; None if none has (or Σ wᵢ = 0)."""
    rated = [(Decimal(weights.get(name, 0)), mean) for name, mean in means.items() if mean]
    total_weight = sum(weight for weight, _mean in rated)
    if not rated or total_weight <= 0:
        return None
    weighted = sum(weight * mean for weight, mean in rated)
    return (weighted / total_weight).quantize(TWO_PLACES, ROUND_HALF_UP)


def survey_metrics(
    responses: QuerySet[SurveyResponse], *, weights: dict[str, Decimal]
) -> SurveyMetrics:
    """All metrics of these responses in one query. ``weights``: ``SurveySettings.weights()``."""
    totals = responses.aggregate(
        count=Count("pk"),
        satisfied=Count("pk", filter=Q(overall__gte=SATISFIED_FROM)),
        nps_count=Count("nps"),
        promoters=Count("pk", filter=Q(nps__gte=NPS_PROMOTER_FROM)),
        detractors=Count("pk", filter=Q(nps__lte=NPS_DETRACTOR_UP_TO)),
        **{f"mean_{name}": Avg(name) for name in DIMENSIONS},
    )
    means = {name: _as_decimal(totals[f"mean_{name}"]) for name in DIMENSIONS}
    return SurveyMetrics(
        responses=totals["count"],
        satisfaction_rate=_percent(totals["satisfied"], totals["count"]),
        csi=csi(means, weights),
        nps=_percent(totals["promoters"] - totals["detractors"], totals["nps_count"]),
        dimension_means={
            name: None if mean is None else mean.quantize(TWO_PLACES, ROUND_HALF_UP)
            for name, mean in means.items()
        },
    )
