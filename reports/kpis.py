"""KPI definitions (REQUIREMENTS §7): one small function per KPI, its formula in the docstring.

Every KPI is computed for a ``KpiSource``: a period ``[start, end)`` of whole days in the
tenant's time zone plus optional filters (teams, agent, category, tier, channel). Additive
figures come from ``DailyRollup`` (one aggregate query per source, shared by every KPI);
medians and the correlation read ``TicketFigures``; satisfaction comes from
``surveys.metrics``. Nothing replays ticket events.

How time is measured: a ticket's first-response and resolution times are seconds of open time
in the calendar of the SLA policy applied to it (``sla.business_hours.business_seconds_between``
with that calendar's opening hours and holidays), and **pause spans are cut out** — while a
ticket waits on the customer (pending, or on hold when the policy pauses on hold) the clock
stands still, exactly as for the SLA targets. A ticket without a policy is measured round the
clock, pauses still cut out. Resolution time runs from creation to the latest resolution (or
closing). Figures are as of the last rollup (every few minutes).

Anchors: created-side KPIs (created, first response, resolution rate, complaints) count
tickets *created* in the period; done-side KPIs (resolved, resolution time, FCR, reopen rate)
count tickets *resolved* (or closed) in the period.

A KPI with nothing to compute it from is ``None``, never 0.
"""

import math
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum
from django.utils import timezone

from helpdesk.models import Tenant
from knowledge.selectors import deflection_count, knowledge_usage_rate
from sla.models import Escalation, Level
from surveys.metrics import SurveyMetrics, responses_filtered, survey_metrics
from surveys.models import FollowUp, FollowUpStatus, SurveyResponse
from surveys.services import survey_settings_for
from tickets.models import ACTIVE_STATUSES, Ticket

from .models import MEASURES, DailyRollup, TicketFigures

TWO_PLACES = Decimal("0.01")
# Targets from the requirements (001): resolution rate ≥ 95 %, satisfaction rate ≥ 90 %.
TARGETS = {"resolution_rate": Decimal("95"), "satisfaction_rate": Decimal("90")}
# The Python median and correlation read at most this many values (SQLite, small desks).
PYTHON_VALUES_LIMIT = 200_000


@dataclass(frozen=True)
class Period:
    """Whole days ``[start, end)`` in the tenant's time zone."""

    start: date
    end: date
    zone: ZoneInfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start, self.zone)


@dataclass(frozen=True)
class KpiFilters:
    """``teams`` None means every team; a tuple limits to those teams (a team lead's)."""

    teams: tuple[int, ...] | None = None
    agent: int | None = None
    category: int | None = None
    tier: int | None = None
    channel: str = ""

    @property
    def is_empty(self) -> bool:
        return self == KpiFilters()

    def figures_q(self, prefix: str = "") -> Q:
        """The filters on ``TicketFigures``/``DailyRollup`` columns (``prefix`` for a join)."""
        conditions = {
            "team_id__in": self.teams,
            "agent_id": self.agent,
            "category_id": self.category,
            "tier_id": self.tier,
            "channel": self.channel or None,
        }
        return Q(**{prefix + k: v for k, v in conditions.items() if v is not None})


def ticket_filter_q(filters: KpiFilters, prefix: str = "") -> Q:
    """The same filters on live ``Ticket`` columns; tier is the customer's effective tier."""
    q = Q()
    if filters.teams is not None:
        q &= Q(**{f"{prefix}team_id__in": filters.teams})
    for name, column in (("agent", "assignee_id"), ("category", "category_id")):
        if getattr(filters, name) is not None:
            q &= Q(**{prefix + column: getattr(filters, name)})
    if filters.channel:
        q &= Q(**{f"{prefix}channel": filters.channel})
    if filters.tier is not None:
        q &= Q(**{f"{prefix}customer__tier_id": filters.tier}) | Q(
            **{
                f"{prefix}customer__tier__isnull": True,
                f"{prefix}customer__organization__tier_id": filters.tier,
            }
        )
    return q


@dataclass
class KpiSource:
    """A period and filters of one tenant; caches the queries its KPIs share.

    Precondition: the tenant scope is active while KPIs are computed.
    """

    tenant: Tenant
    period: Period
    filters: KpiFilters = field(default_factory=KpiFilters)
    now: datetime | None = None
    # Shared by the sources ``with_period`` derives (the figures of "now" are the same).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def grouped(self) -> list[dict]:
        """Σ of every rollup measure per day × team × agent over the period and filters: one
        query whose few thousand rows feed the totals, the trend and the team and agent
        tables (cheaper than one aggregate over the rollup rows for each)."""
        rows = (
            self.rollups()
            .values("day", "team_id", "agent_id")
            .annotate(**{f"sum_{name}": Sum(name) for name in MEASURES})
            .order_by()
        )
        grouped = [
            {
                "day": row["day"],
                "team_id": row["team_id"],
                "agent_id": row["agent_id"],
                **{name: row[f"sum_{name}"] or 0 for name in MEASURES},
            }
            for row in rows
        ]
        self.memo.setdefault("grouped", []).append((self.period, self.filters, grouped))
        return grouped

    @cached_property
    def totals(self) -> dict[str, int]:
        """Σ of every rollup measure over the period and filters: from ``grouped`` when it
        was loaded, else one plain aggregate."""
        if "grouped" in self.__dict__:
            return sum_measures(self.grouped)
        sums = self.rollups().aggregate(**{name: Sum(name) for name in MEASURES})
        return {name: value or 0 for name, value in sums.items()}

    def rollup_sums_from(self, day: date, now: datetime) -> dict[str, int]:
        """Σ created and done from ``day`` until now: from rows already loaded by a source
        with the same filters that covers those days, else one query."""
        today = now.astimezone(self.period.zone).date()
        for period, filters, rows in self.memo.get("grouped", []):
            if filters == self.filters and period.start <= day and period.end > today:
                return sum_measures(row for row in rows if row["day"] >= day)
        since = DailyRollup.objects.filter(self.filters.figures_q(), day__gte=day)
        sums = since.aggregate(**{name: Sum(name) for name in ("created", "done")})
        return {name: value or 0 for name, value in sums.items()}

    def open_now(self) -> int:
        """Tickets active now under the filters (once per request, whatever the period)."""
        key = ("open_now", self.filters)
        if key not in self.memo:
            live = Ticket.objects.filter(ticket_filter_q(self.filters), status__in=ACTIVE_STATUSES)
            self.memo[key] = live.count()
        return self.memo[key]

    def rollups(self) -> QuerySet[DailyRollup]:
        return DailyRollup.objects.filter(
            self.filters.figures_q(), day__gte=self.period.start, day__lt=self.period.end
        )

    def figures(self, anchor: str) -> QuerySet[TicketFigures]:
        """Figures of tickets whose ``anchor`` (created_at or done_at) is in the period."""
        return TicketFigures.objects.filter(
            self.filters.figures_q(),
            **{f"{anchor}__gte": self.period.start_at, f"{anchor}__lt": self.period.end_at},
        )

    def responses(self) -> QuerySet[SurveyResponse]:
        """Survey answers given in the period; agent, team and tier are the answer's snapshot,
        category and channel the ticket's."""
        responses = responses_filtered(
            SurveyResponse.objects.all(),
            since=self.period.start_at,
            until=self.period.end_at,
        )
        f = self.filters
        conditions = {
            "team_id__in": f.teams,
            "agent_id": f.agent,
            "tier_id": f.tier,
            "ticket__category_id": f.category,
            "ticket__channel": f.channel or None,
        }
        return responses.filter(**{k: v for k, v in conditions.items() if v is not None})

    @cached_property
    def survey(self) -> SurveyMetrics:
        weights = survey_settings_for(self.tenant).weights()
        return survey_metrics(self.responses(), weights=weights)

    def with_period(self, period: Period) -> "KpiSource":
        return replace(self, period=period)


# --- helpers -----------------------------------------------------------------------------------


def sum_measures(rows) -> dict[str, int]:
    totals = dict.fromkeys(MEASURES, 0)
    for row in rows:
        for name in MEASURES:
            totals[name] += row[name]
    return totals


def percent(part: int | None, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * (part or 0) / whole).quantize(TWO_PLACES, ROUND_HALF_UP)


def mean(total: int, count: int) -> float | None:
    return None if not count else round(total / count, 1)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: the interpolated median."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_of(queryset: QuerySet, column: str) -> float | None:
    """The median of a column over a queryset: in PostgreSQL with ``percentile_cont``, else in
    Python over at most ``PYTHON_VALUES_LIMIT`` values. NULLs are left out."""
    values = queryset.filter(**{f"{column}__isnull": False})
    if connection.vendor == "postgresql":
        result = values.aggregate(median=Median(column))["median"]
        return None if result is None else round(result, 1)
    found = list(values.values_list(column, flat=True)[:PYTHON_VALUES_LIMIT])
    return round(float(statistics.median(found)), 1) if found else None


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r of (x, y) pairs; None with fewer than 3 pairs or zero variance."""
    if len(pairs) < 3:
        return None
    xs, ys = zip(*pairs, strict=True)
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    spread = math.sqrt(sum((x - mean_x) ** 2 for x in xs) * sum((y - mean_y) ** 2 for y in ys))
    return None if spread == 0 else round(covariance / spread, 4)


# --- volume --------------------------------------------------------------------------------------


def tickets_created(source: KpiSource) -> int:
    """Tickets created in [start, end) = Σ rollup.created."""
    return source.totals["created"]


def tickets_resolved(source: KpiSource) -> int:
    """Tickets resolved (or closed) in [start, end), counted on their latest resolution
    = Σ rollup.done."""
    return source.totals["done"]


def backlog(source: KpiSource) -> int:
    """Tickets open at the end of the period.

    When the period ends in the future: the tickets whose status is active now (new, open,
    pending, on hold), counted on the ticket table's partial index. Otherwise, walking back
    from now: open now - created since ``end`` + resolved since ``end`` (rollup days from
    ``end`` on), which reads a few rollup rows instead of every ticket ever created. A ticket
    resolved before ``end`` and reopened since counts as open at ``end``.
    """
    now = source.now or timezone.now()
    open_now = source.open_now()
    if source.period.end_at > now:
        return open_now
    moved = source.rollup_sums_from(source.period.end, now)
    return max(0, open_now - moved["created"] + moved["done"])


# --- time ---------------------------------------------------------------------------------------


def first_response_average(source: KpiSource) -> float | None:
    """Mean first-response time in seconds (SLA calendar, pauses cut out) of tickets created
    in the period that have been answered = Σ first_response_seconds / Σ first_responses."""
    t = source.totals
    return mean(t["first_response_seconds"], t["first_responses"])


def first_response_median(source: KpiSource) -> float | None:
    """Median first-response time in seconds of the same tickets (percentile_cont(0.5))."""
    return median_of(source.figures("created_at"), "first_response_seconds")


def resolution_average(source: KpiSource) -> float | None:
    """Mean resolution time in seconds (creation → latest resolution, SLA calendar, pauses cut
    out) of tickets resolved in the period = Σ resolution_seconds / Σ done."""
    t = source.totals
    return mean(t["resolution_seconds"], t["done"])


def resolution_median(source: KpiSource) -> float | None:
    """Median resolution time in seconds of tickets resolved in the period."""
    return median_of(source.figures("done_at"), "resolution_seconds")


# --- SLA ----------------------------------------------------------------------------------------


def first_response_sla_compliance(source: KpiSource) -> Decimal | None:
    """% of tickets created in the period, under an SLA policy and with the first-response
    target decided (answered, or breached), that have no first-response breach Escalation
    = 100 × Σ first_response_sla_met / Σ first_response_sla_total."""
    t = source.totals
    return percent(t["first_response_sla_met"], t["first_response_sla_total"])


def resolution_sla_compliance(source: KpiSource) -> Decimal | None:
    """% of tickets resolved in the period under an SLA policy with no resolution breach
    Escalation in any resolution cycle = 100 × Σ resolution_sla_met / Σ resolution_sla_total.
    (A ticket still open counts once it is resolved, on that day.)"""
    t = source.totals
    return percent(t["resolution_sla_met"], t["resolution_sla_total"])


# --- resolution quality -------------------------------------------------------------------------


def first_contact_resolution(source: KpiSource) -> Decimal | None:
    """FCR: % of tickets resolved in the period that were resolved with exactly one public
    agent reply (internal notes, system messages and customer messages do not count) and
    were never reopened = 100 × Σ first_contact_resolved / Σ done."""
    t = source.totals
    return percent(t["first_contact_resolved"], t["done"])


def resolution_rate(source: KpiSource) -> Decimal | None:
    """问题解决率: % of tickets created in the period that are resolved or closed (as of the
    last rollup) = 100 × Σ created_done / Σ created. Target ≥ 95 %."""
    t = source.totals
    return percent(t["created_done"], t["created"])


def reopen_rate(source: KpiSource) -> Decimal | None:
    """% of tickets resolved in the period that had been reopened at least once
    = 100 × Σ reopened / Σ done."""
    t = source.totals
    return percent(t["reopened"], t["done"])


# --- satisfaction (surveys.metrics computes them; see its docstring for the formulas) ------------


def satisfaction_rate(source: KpiSource) -> Decimal | None:
    """% of survey answers given in the period with overall ≥ 4 (target ≥ 90 %)."""
    return source.survey.satisfaction_rate


def csi(source: KpiSource) -> Decimal | None:
    """Customer satisfaction index Σ wᵢ·sᵢ / Σ wᵢ over rated dimensions (1–5)."""
    return source.survey.csi


def nps(source: KpiSource) -> Decimal | None:
    """Net promoter score: % promoters (9–10) - % detractors (0–6), -100 … 100."""
    return source.survey.nps


def response_satisfaction_correlation(source: KpiSource) -> float | None:
    """Pearson's r between a ticket's first-response time (seconds, SLA calendar) and the
    overall rating of the survey answers given in the period. None with fewer than 3 pairs or
    when either side has no variance. A negative r: slower answers, less satisfied customers."""
    pairs = (
        source.responses()
        .filter(ticket__report_figures__first_response_seconds__isnull=False)
        .values_list("ticket__report_figures__first_response_seconds", "overall")
    )
    return pearson([(float(x), float(y)) for x, y in pairs[:PYTHON_VALUES_LIMIT]])


# --- complaints ---------------------------------------------------------------------------------


def complaint_rate(source: KpiSource) -> Decimal | None:
    """% of tickets created in the period in a complaint category
    = 100 × Σ complaints / Σ created."""
    t = source.totals
    return percent(t["complaints"], t["created"])


def repeat_complaint_rate(source: KpiSource) -> Decimal | None:
    """二次投诉率: % of complaints created in the period whose customer had already complained
    within the tenant's repeat window (``EscalationRules.repeat_complaint_days``, 30 days by
    default) before = 100 × Σ repeat_complaints / Σ complaints."""
    t = source.totals
    return percent(t["repeat_complaints"], t["complaints"])


# --- escalations and follow-ups -----------------------------------------------------------------


def escalations_by_reason(source: KpiSource) -> list[dict]:
    """Escalation rows recorded in the period, counted by reason: the SLA level (warning,
    breach, manager) for time-based ones, and each stated reason of a rule escalation (one rule
    escalation with two reasons counts once under each). Sorted by count, descending."""
    rows = (
        Escalation.objects.filter(
            ticket_filter_q(source.filters, "ticket__"),
            created_at__gte=source.period.start_at,
            created_at__lt=source.period.end_at,
        )
        .values("level", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter[str] = Counter()
    for row in rows:
        if row["level"] == Level.RULE and row["reason"]:
            for reason in row["reason"].split("; "):
                counts[_rule_reason_kind(reason)] += row["n"]
        else:
            counts[str(Level(row["level"]).label)] += row["n"]
    return [{"reason": r, "count": n} for r, n in sorted(counts.items(), key=lambda i: -i[1])]


def _rule_reason_kind(reason: str) -> str:
    """Angry-wording reasons list the words found; group them under one reason."""
    return reason.split(":")[0].strip()


def follow_ups_on_time(source: KpiSource) -> Decimal | None:
    """% of follow-ups (回访) due in the period, not cancelled, that were done by their due
    time = 100 × |done ∧ done_at ≤ due_at| / |due in period, not cancelled|."""
    due = FollowUp.objects.filter(
        ticket_filter_q(replace(source.filters, agent=None), "ticket__"),
        due_at__gte=source.period.start_at,
        due_at__lt=source.period.end_at,
    ).exclude(status=FollowUpStatus.CANCELLED)
    if source.filters.agent is not None:
        due = due.filter(assignee_id=source.filters.agent)
    total = due.count()
    if not total:
        return None
    on_time = due.filter(status=FollowUpStatus.DONE, done_at__lte=F("due_at")).count()
    return percent(on_time, total)


# --- knowledge base -----------------------------------------------------------------------------


def kb_deflections(source: KpiSource) -> int | None:
    """Requests customers did not submit because a knowledge article solved them ("this solved
    my problem" in the portal), in the period (``knowledge.selectors.deflection_count``).
    Tenant-wide only: a deflection has no team, agent or category, so None under filters."""
    if not source.filters.is_empty:
        return None
    period = source.period
    return deflection_count(tenant=source.tenant, start=period.start_at, end=period.end_at)


def kb_usage_rate(source: KpiSource) -> Decimal | None:
    """% of tickets created in the period on which an agent linked or inserted a knowledge
    article (``knowledge.selectors.knowledge_usage_rate``). Tenant-wide only (None under
    filters), as the knowledge selector takes no filters."""
    if not source.filters.is_empty:
        return None
    period = source.period
    usage = knowledge_usage_rate(tenant=source.tenant, start=period.start_at, end=period.end_at)
    return percent(usage.tickets_with_article, usage.tickets)


# --- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    name: str
    compute: Callable[[KpiSource], object]
    unit: str  # count, seconds, percent, index (1–5), nps, r
    better: str = "higher"  # or "lower", or "" when neither
    target: Decimal | None = None
    # Medians sort every value of the period: the dashboard compares the means instead.
    dashboard_compares: bool = True


KPIS: tuple[Kpi, ...] = (
    Kpi("tickets_created", tickets_created, "count", ""),
    Kpi("tickets_resolved", tickets_resolved, "count"),
    Kpi("backlog", backlog, "count", "lower"),
    Kpi("first_response_average", first_response_average, "seconds", "lower"),
    Kpi("first_response_median", first_response_median, "seconds", "lower", None, False),
    Kpi("resolution_average", resolution_average, "seconds", "lower"),
    Kpi("resolution_median", resolution_median, "seconds", "lower", None, False),
    Kpi("first_response_sla_compliance", first_response_sla_compliance, "percent"),
    Kpi("resolution_sla_compliance", resolution_sla_compliance, "percent"),
    Kpi("first_contact_resolution", first_contact_resolution, "percent"),
    Kpi("resolution_rate", resolution_rate, "percent", target=TARGETS["resolution_rate"]),
    Kpi("satisfaction_rate", satisfaction_rate, "percent", target=TARGETS["satisfaction_rate"]),
    Kpi("csi", csi, "index"),
    Kpi("nps", nps, "nps"),
    Kpi("complaint_rate", complaint_rate, "percent", "lower"),
    Kpi("repeat_complaint_rate", repeat_complaint_rate, "percent", "lower"),
    Kpi("reopen_rate", reopen_rate, "percent", "lower"),
    Kpi("follow_ups_on_time", follow_ups_on_time, "percent"),
    Kpi("kb_deflections", kb_deflections, "count"),
    Kpi("kb_usage_rate", kb_usage_rate, "percent"),
    Kpi("response_satisfaction_correlation", response_satisfaction_correlation, "r", ""),
)
KPI_BY_NAME = {kpi.name: kpi for kpi in KPIS}


def compute_all(source: KpiSource, kpis: tuple[Kpi, ...] = KPIS) -> dict[str, object]:
    """Every KPI of the catalogue (or the ones given) for one source."""
    return {kpi.name: kpi.compute(source) for kpi in kpis}


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def kpis_as_dict(source: KpiSource, *, compare: bool = True) -> dict:
    """A JSON-serialisable dict of every KPI (and the previous period's, for comparison)."""
    current = compute_all(source)
    previous = compute_all(source.with_period(source.period.previous())) if compare else {}
    filters = source.filters
    return {
        "period": {"start": source.period.start.isoformat(), "end": source.period.end.isoformat()},
        "time_zone": str(source.period.zone),
        "filters": {
            "teams": list(filters.teams) if filters.teams is not None else None,
            "agent": filters.agent,
            "category": filters.category,
            "tier": filters.tier,
            "channel": filters.channel or None,
        },
        "kpis": {
            kpi.name: {
                "value": _json_value(current[kpi.name]),
                "previous": _json_value(previous.get(kpi.name)),
                "unit": kpi.unit,
                "target": _json_value(kpi.target),
            }
            for kpi in KPIS
        },
        "escalations_by_reason": escalations_by_reason(source),
    }
