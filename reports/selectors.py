"""Reads behind the report pages: the dashboard's tiles, trends, tables and live board.

Every function takes a ``KpiSource`` whose filters are already narrowed by ``ReportAccess``
and runs a constant number of queries, whatever the number of tickets or days (the per-row
satisfaction of the team and agent tables is one query per row shown: teams and agents, not
tickets).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Team
from sla.models import Colour
from surveys.metrics import survey_metrics
from surveys.models import SATISFIED_FROM
from surveys.services import survey_settings_for
from tickets.models import ACTIVE_STATUSES, Channel, Ticket

from . import kpis
from .kpis import KPI_BY_NAME, KpiFilters, KpiSource, Period, mean, percent

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3 * 366
GRANULARITIES = ("day", "week", "month")

KPI_LABELS = {
    "tickets_created": _("Tickets created"),
    "tickets_resolved": _("Tickets resolved"),
    "backlog": _("Backlog (open)"),
    "first_response_average": _("First response, average"),
    "first_response_median": _("First response, median"),
    "resolution_average": _("Resolution time, average"),
    "resolution_median": _("Resolution time, median"),
    "first_response_sla_compliance": _("First-response SLA met"),
    "resolution_sla_compliance": _("Resolution SLA met"),
    "first_contact_resolution": _("First-contact resolution"),
    "resolution_rate": _("Resolution rate"),
    "satisfaction_rate": _("Satisfaction rate"),
    "csi": _("CSI (1–5)"),
    "nps": _("NPS"),
    "complaint_rate": _("Complaint rate"),
    "repeat_complaint_rate": _("Repeat-complaint rate"),
    "reopen_rate": _("Reopen rate"),
    "follow_ups_on_time": _("Follow-ups on time"),
    "kb_deflections": _("Knowledge-base deflections"),
    "kb_usage_rate": _("Knowledge-base usage rate"),
    "response_satisfaction_correlation": _("Response time ↔ satisfaction (r)"),
}


# --- the period and filters from a request -----------------------------------------------------


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period_from(tenant, start: str | None, end: str | None, *, today: date | None = None):
    """``[start, end)`` from ISO dates; defaults to the last 30 days including today. A bad,
    reversed or over-long period falls back to the default rather than failing the page."""
    zone = ZoneInfo(tenant.time_zone)
    today = today or timezone.now().astimezone(zone).date()
    default = Period(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today + timedelta(1), zone)
    first, last = parse_date(start), parse_date(end)
    if first is None or last is None or not 0 < (last - first).days <= MAX_PERIOD_DAYS:
        return default
    return Period(first, last, zone)


def month_period(tenant, month: str | None) -> Period:
    """The calendar month ``YYYY-MM`` (default: the previous month) in the tenant's zone."""
    zone = ZoneInfo(tenant.time_zone)
    try:
        first = date.fromisoformat(f"{month}-01") if month else None
    except ValueError:
        first = None
    if first is None:
        this_month = timezone.now().astimezone(zone).date().replace(day=1)
        first = (this_month - timedelta(days=1)).replace(day=1)
    return Period(first, (first + timedelta(days=32)).replace(day=1), zone)


def int_or_none(value: str | None) -> int | None:
    # isdigit() alone lets "²" through, which int() refuses; 18 digits fit a bigint.
    digits = value and value.isascii() and value.isdigit() and len(value) <= 18
    return int(value) if digits else None


def filters_from(params) -> KpiFilters:
    """The filters a request asks for (before access narrows them)."""
    team = int_or_none(params.get("team"))
    return KpiFilters(
        teams=(team,) if team is not None else None,
        agent=int_or_none(params.get("agent")),
        category=int_or_none(params.get("category")),
        tier=int_or_none(params.get("tier")),
        channel=channel_or_all(params.get("channel")),
    )


def channel_or_all(value: str | None) -> str:
    """One of the ticket channels, or "" (every channel) for anything else."""
    return value if value in Channel.values else ""


# --- tiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    unit: str
    value: object
    previous: object
    target: Decimal | None
    better: str

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target

    @property
    def trend(self) -> str:
        """ "good", "bad" or "" for the change versus the previous period."""
        change = self.change
        if not change or not self.better:
            return ""
        return "good" if (change > 0) == (self.better == "higher") else "bad"


def tiles(source: KpiSource, previous: KpiSource) -> list[Tile]:
    """Every KPI now and in the previous period (except the medians, see ``Kpi``)."""
    source.grouped  # noqa: B018 - one query feeds the totals, the trend and the tables
    current = kpis.compute_all(source)
    compared = tuple(kpi for kpi in kpis.KPIS if kpi.dashboard_compares)
    before = kpis.compute_all(previous, compared)
    return [
        Tile(
            name=kpi.name,
            label=str(KPI_LABELS[kpi.name]),
            unit=kpi.unit,
            value=current[kpi.name],
            previous=before.get(kpi.name),
            target=kpi.target,
            better=kpi.better,
        )
        for kpi in KPI_BY_NAME.values()
    ]


# --- trends ------------------------------------------------------------------------------------


def bucket_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


TREND_SUMS = (
    "created",
    "done",
    "created_done",
    "first_responses",
    "first_response_seconds",
    "first_response_sla_total",
    "first_response_sla_met",
)


def trend(source: KpiSource, granularity: str) -> dict:
    """Chart data per day, ISO week (from Monday) or month: created, resolved, average first
    response (hours), resolution rate, first-response SLA and satisfaction (%)."""
    buckets: dict[date, dict] = defaultdict(lambda: defaultdict(int))
    for row in source.grouped:
        bucket = buckets[bucket_of(row["day"], granularity)]
        for name in TREND_SUMS:
            bucket[name] += row[name]
    for row in _satisfaction_by_day(source):
        bucket = buckets[bucket_of(row["day"], granularity)]
        bucket["answers"] += row["answers"]
        bucket["satisfied"] += row["satisfied"]
    labels = _bucket_labels(source.period, granularity)
    series = [buckets.get(label, {}) for label in labels]
    return {
        "labels": [label.isoformat() for label in labels],
        "created": [b.get("created", 0) for b in series],
        "resolved": [b.get("done", 0) for b in series],
        "first_response_hours": [
            _hours(mean(b.get("first_response_seconds", 0), b.get("first_responses", 0)))
            for b in series
        ],
        "resolution_rate": [_rate(b, "created_done", "created") for b in series],
        "first_response_sla": [
            _rate(b, "first_response_sla_met", "first_response_sla_total") for b in series
        ],
        "satisfaction_rate": [_rate(b, "satisfied", "answers") for b in series],
    }


def _satisfaction_by_day(source: KpiSource):
    # The satisfied threshold is surveys' own constant, so the trend agrees with the tile.
    return (
        source.responses()
        .annotate(day=TruncDate("created_at", tzinfo=source.period.zone))
        .values("day")
        .annotate(answers=Count("pk"), satisfied=Count("pk", filter=Q(overall__gte=SATISFIED_FROM)))
        .order_by()
    )


def _bucket_labels(period: Period, granularity: str) -> list[date]:
    labels, day = [], period.start
    while day < period.end:
        label = bucket_of(day, granularity)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _rate(bucket: dict, part: str, whole: str) -> float | None:
    value = percent(bucket.get(part), bucket.get(whole))
    return None if value is None else float(value)


# --- tables per team and per agent ---------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    key: int | None
    name: str
    created: int
    resolved: int
    first_response_average: float | None
    resolution_average: float | None
    first_response_sla: Decimal | None
    resolution_rate: Decimal | None
    first_contact_resolution: Decimal | None
    reopen_rate: Decimal | None
    satisfaction_rate: Decimal | None
    survey_answers: int


def group_rows(source: KpiSource, dimension: str, *, names: dict[int, str]) -> list[GroupRow]:
    """One row per team (``dimension="team_id"``) or agent (``"agent_id"``) that had tickets in
    the period, limited to the keys in ``names`` (what the viewer may see)."""
    grouped: dict[int | None, list[dict]] = defaultdict(list)
    for row in source.grouped:
        grouped[row[dimension]].append(row)
    weights = survey_weights(source)
    rows = []
    for key, group in grouped.items():
        if key not in names:
            continue
        t = kpis.sum_measures(group)
        survey = survey_metrics(responses_of(source, dimension, key), weights=weights)
        rows.append(
            GroupRow(
                key=key,
                name=names[key],
                created=t["created"],
                resolved=t["done"],
                first_response_average=mean(t["first_response_seconds"], t["first_responses"]),
                resolution_average=mean(t["resolution_seconds"], t["done"]),
                first_response_sla=percent(
                    t["first_response_sla_met"], t["first_response_sla_total"]
                ),
                resolution_rate=percent(t["created_done"], t["created"]),
                first_contact_resolution=percent(t["first_contact_resolved"], t["done"]),
                reopen_rate=percent(t["reopened"], t["done"]),
                satisfaction_rate=survey.satisfaction_rate,
                survey_answers=survey.responses,
            )
        )
    return sorted(rows, key=lambda r: (-r.resolved, r.name))


def survey_weights(source: KpiSource) -> dict:
    return survey_settings_for(source.tenant).weights()


def responses_of(source: KpiSource, dimension: str, key: int | None):
    column = "team_id" if dimension == "team_id" else "agent_id"
    return source.responses().filter(**{column: key})


def team_names(teams: tuple[int, ...] | None) -> dict[int | None, str]:
    found = Team.objects.all() if teams is None else Team.objects.filter(pk__in=teams)
    names: dict[int | None, str] = dict(found.values_list("pk", "name"))
    if teams is None:
        names[None] = str(_("No team"))
    return names


def agent_names(*, teams: tuple[int, ...] | None, agent: int | None) -> dict[int | None, str]:
    members = Membership.objects.select_related("user")
    if agent is not None:
        members = members.filter(pk=agent)
    elif teams is not None:
        members = members.filter(teams__in=teams).distinct()
    names = {m.pk: str(m.user) for m in members}
    if teams is None and agent is None:
        names[None] = str(_("Unassigned"))
    return names


# --- the live board ----------------------------------------------------------------------------


COLOURS = (Colour.RED, Colour.AMBER, Colour.GREEN, Colour.PAUSED, Colour.MET, Colour.NONE)


@dataclass(frozen=True)
class LiveBoard:
    rows: list[dict]  # {"team": name, "counts": {colour: n}, "total": n}
    colours: tuple
    breaches_now: int
    open_total: int
    oldest: list[Ticket]
    as_of: datetime


def live_board(filters: KpiFilters, *, oldest: int = 5) -> LiveBoard:
    """Open tickets now by SLA colour per team, breaches now and the oldest waiting, under the
    same filters as the KPIs (the period does not apply: this is the present)."""
    active = Ticket.objects.filter(kpis.ticket_filter_q(filters), status__in=ACTIVE_STATUSES)
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in active.values("team_id", "sla__colour").annotate(n=Count("pk")).order_by():
        counts[row["team_id"]][row["sla__colour"] or Colour.NONE] += row["n"]
    names = team_names(None)
    rows = [
        {
            "team": names.get(team, "?"),
            "counts": [counts[team].get(c, 0) for c in COLOURS],
            "total": sum(counts[team].values()),
        }
        for team in sorted(counts, key=lambda t: names.get(t, ""))
    ]
    return LiveBoard(
        rows=rows,
        colours=tuple((c.value, c.label) for c in COLOURS),
        breaches_now=sum(counts[t].get(Colour.RED, 0) for t in counts),
        open_total=sum(r["total"] for r in rows),
        oldest=list(
            active.select_related("team", "assignee__user", "sla").order_by("created_at", "pk")[
                :oldest
            ]
        ),
        as_of=timezone.now(),
    )


def quality_criterion_get(*, pk: int):
    """A rubric criterion of the tenant, else 404. Precondition: the caller checked the role
    (the rubric is kept by quality supervisors and managers); scope active."""
    from django.http import Http404

    from .models import QualityCriterion

    criterion = QualityCriterion.objects.filter(pk=pk).first()
    if criterion is None:
        raise Http404
    return criterion
