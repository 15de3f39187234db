"""Monthly assessment per agent and per team (seed 002: 客户满意度、问题解决率、响应时间、
记录准确性), a configurable score, the rank, and the month's Service Star.

Each component is a mark from 0 to 100:

* satisfaction = the satisfaction rate (``surveys.metrics``) of the answers given in the month;
* resolution rate = % of the tickets created in the month that are resolved (``reports.kpis``);
* response time = 100 when the average first response (SLA calendar) is within the tenant's
  ``response_target_minutes``, else 100 × target / average;
* record accuracy = the mean record-accuracy mark of the quality checks of tickets resolved in
  the month (whenever the check was made).

**score** = Σ wᵢ·cᵢ / Σ wᵢ over the components that have a value (a component with no data
drops out of both sums rather than counting as 0), with the tenant's weights
(``AssessmentSettings``). Rank: by score, highest first; equal scores share a rank (1, 2, 2, 4).
**Service Star**: the best-ranked agent who resolved at least ``star_min_tickets`` tickets in
the month; among equal scores, more resolved tickets, then the name.
"""

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Sum

from helpdesk.models import Membership, Role, Team
from surveys.metrics import survey_metrics

from .kpis import KpiFilters, KpiSource, mean, percent
from .models import AssessmentSettings, QualityCheck
from .selectors import responses_of, survey_weights

TWO_PLACES = Decimal("0.01")
COMPONENTS = ("satisfaction", "resolution_rate", "response_time", "record_accuracy")
ASSESSED_ROLES = (Role.AGENT, Role.TEAM_LEAD)


@dataclass(frozen=True)
class AssessmentRow:
    key: int | None
    name: str
    resolved: int
    satisfaction: Decimal | None
    resolution_rate: Decimal | None
    response_seconds: float | None
    response_time: Decimal | None  # the mark
    record_accuracy: Decimal | None
    score: Decimal | None
    rank: int | None = None
    is_star: bool = False


@dataclass
class Assessment:
    agents: list[AssessmentRow] = field(default_factory=list)
    teams: list[AssessmentRow] = field(default_factory=list)
    star: AssessmentRow | None = None


def assessment_settings_for(tenant) -> AssessmentSettings:
    return AssessmentSettings.objects.get_or_create(tenant=tenant)[0]


def response_mark(average_seconds: float | None, target_minutes: int) -> Decimal | None:
    if average_seconds is None:
        return None
    if average_seconds <= target_minutes * 60:
        return Decimal(100)
    return (Decimal(100) * target_minutes * 60 / Decimal(str(average_seconds))).quantize(
        TWO_PLACES, ROUND_HALF_UP
    )


def weighted_score(marks: dict[str, Decimal | None], weights: dict[str, Decimal]):
    """Σ wᵢ·cᵢ / Σ wᵢ over the components with a mark; None when none has one."""
    present = [(weights[name], mark) for name, mark in marks.items() if mark is not None]
    total = sum(weight for weight, _mark in present)
    if not present or total <= 0:
        return None
    return (sum(w * m for w, m in present) / total).quantize(TWO_PLACES, ROUND_HALF_UP)


def ranked(rows: list[AssessmentRow]) -> list[AssessmentRow]:
    """Rows by score (highest first), then resolved and name; equal scores share a rank."""
    ordered = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), -r.resolved, r.name))
    result, previous_score, rank = [], object(), 0
    for position, row in enumerate(ordered, start=1):
        if row.score is None:
            result.append(row)
            continue
        if row.score != previous_score:
            rank, previous_score = position, row.score
        result.append(replace(row, rank=rank))
    return result


def monthly_assessment(source: KpiSource) -> Assessment:
    """Every agent and team of the tenant for the source's period (a month). Access is
    applied by the caller on what it shows; ranks are always among everyone."""
    settings = assessment_settings_for(source.tenant)
    agents = _rows(source, "agent_id", _agent_names(), settings)
    teams = _rows(source, "team_id", dict(Team.objects.values_list("pk", "name")), settings)
    star = next(
        (r for r in agents if r.rank is not None and r.resolved >= settings.star_min_tickets),
        None,
    )
    if star is not None:
        agents = [replace(r, is_star=True) if r.key == star.key else r for r in agents]
        star = replace(star, is_star=True)
    return Assessment(agents=agents, teams=teams, star=star)


def _agent_names() -> dict[int, str]:
    members = Membership.objects.filter(role__in=ASSESSED_ROLES, is_active=True)
    return {m.pk: str(m.user) for m in members.select_related("user")}


def _rows(source: KpiSource, dimension: str, names: dict, settings) -> list[AssessmentRow]:
    base = replace(source, filters=KpiFilters())  # everyone, for the rank
    sums = {
        row[dimension]: row
        for row in base.rollups()
        .values(dimension)
        .annotate(
            created=Sum("created"),
            created_done=Sum("created_done"),
            done=Sum("done"),
            first_responses=Sum("first_responses"),
            first_response_total=Sum("first_response_seconds"),
        )
        .order_by()
    }
    accuracy = _record_accuracy(base, "agent_id" if dimension == "agent_id" else "team_id")
    weights = survey_weights(base)
    rows = []
    for key, name in names.items():
        t = sums.get(key, {})
        satisfaction = _satisfaction(base, dimension, key, weights)
        average = mean(t.get("first_response_total") or 0, t.get("first_responses") or 0)
        marks = {
            "satisfaction": satisfaction,
            "resolution_rate": percent(t.get("created_done"), t.get("created")),
            "response_time": response_mark(average, settings.response_target_minutes),
            "record_accuracy": accuracy.get(key),
        }
        rows.append(
            AssessmentRow(
                key=key,
                name=name,
                resolved=t.get("done") or 0,
                satisfaction=marks["satisfaction"],
                resolution_rate=marks["resolution_rate"],
                response_seconds=average,
                response_time=marks["response_time"],
                record_accuracy=marks["record_accuracy"],
                score=weighted_score(marks, settings.weights()),
            )
        )
    return ranked(rows)


def _satisfaction(source: KpiSource, dimension: str, key, weights) -> Decimal | None:
    return survey_metrics(responses_of(source, dimension, key), weights=weights).satisfaction_rate


def _record_accuracy(source: KpiSource, column: str) -> dict:
    # The month of the work, not of the check: checks of tickets resolved in the month.
    checks = QualityCheck.objects.filter(
        ticket__report_figures__done_at__gte=source.period.start_at,
        ticket__report_figures__done_at__lt=source.period.end_at,
        record_accuracy_percent__isnull=False,
    )
    return {
        row[column]: Decimal(str(row["mean"])).quantize(TWO_PLACES, ROUND_HALF_UP)
        for row in checks.values(column).annotate(mean=Avg("record_accuracy_percent")).order_by()
    }
