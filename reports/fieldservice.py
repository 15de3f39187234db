"""Field-service KPIs: visits on site within the promised time (the 48-hour promise), first-time
fix rate, depot-repair turnaround and the aging of open repairs by stage, technician
utilisation and parts per visit. Same conventions as ``reports.aftersales``: a ``KpiSource``
(period of whole days in the tenant's time zone + filters on the work order's ticket), the
definition in each docstring and in ``docs/reports.md``, ``None`` when there is nothing to
compute from (never 0 %), and a fixed number of set-based queries whatever the volume. The
counting is done by small pure functions over the rows the queries return, so it is tested
on hand-made rows too.

Anchors: the promise counts visits **created** in the period; first-time fix and parts count
visits **completed** (checked out) in the period; turnaround counts repairs **shipped back**
in the period; utilisation counts the appointment time that falls **inside** the period.
Visits still open past due and the aging of open repairs are the state **now**.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldservice.models import (
    TechnicianProfile,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderKind,
    WorkOrderPart,
    WorkOrderStatus,
)
from sla.business_hours import business_seconds_between
from sla.services import schedule_for

from .kpis import TWO_PLACES, KpiSource, Period, percent, ticket_filter_q

S = WorkOrderStatus
TOP = 10
DAY_SECONDS = 24 * 3600
# A technician without a working calendar is counted at 8 hours each weekday (Mon–Fri).
DEFAULT_WORKDAY_SECONDS = 8 * 3600
# Visits that hold their technician's time: booked hours for utilisation.
BOOKED_STATUSES = (S.SCHEDULED, S.EN_ROUTE, S.ON_SITE, S.COMPLETED)
# A visit in one of these has not reached the customer and still may.
VISIT_OPEN_STATUSES = (S.UNSCHEDULED, S.SCHEDULED, S.EN_ROUTE, S.RESCHEDULED)
# Depot-repair stages before the unit is shipped back, in lifecycle order.
OPEN_REPAIR_STAGES = (
    S.RECEIVED,
    S.DIAGNOSED,
    S.WAITING_FOR_PARTS,
    S.WAITING_FOR_APPROVAL,
    S.REPAIRED,
    S.QUALITY_CHECK,
)
# Age buckets of an open repair in its stage: [lower, upper) in days, None = no upper bound.
AGE_BUCKETS_DAYS: tuple[tuple[int, int | None], ...] = ((0, 1), (1, 3), (3, 7), (7, None))

LABELS = {
    "on_site_within_target": gettext_lazy("Visits on site within target"),
    "visits_decided": gettext_lazy("Visits with a decided target"),
    "visits_open_past_due": gettext_lazy("Visits open past due (now)"),
    "first_time_fix_rate": gettext_lazy("First-time fix rate"),
    "visits_completed": gettext_lazy("Visits completed"),
    "repairs_shipped_back": gettext_lazy("Repairs shipped back"),
    "repair_turnaround_mean": gettext_lazy("Repair turnaround, average"),
    "repair_turnaround_median": gettext_lazy("Repair turnaround, median"),
    "technician_utilisation": gettext_lazy("Technician utilisation"),
    "parts_per_visit": gettext_lazy("Parts per completed visit"),
}
UNITS = {
    "on_site_within_target": "percent",
    "visits_decided": "count",
    "visits_open_past_due": "count",
    "first_time_fix_rate": "percent",
    "visits_completed": "count",
    "repairs_shipped_back": "count",
    "repair_turnaround_mean": "seconds",
    "repair_turnaround_median": "seconds",
    "technician_utilisation": "percent",
    "parts_per_visit": "number",
}


def _work_orders(source: KpiSource, kind: str) -> QuerySet[WorkOrder]:
    """The work orders of one kind whose ticket passes the report's filters."""
    return WorkOrder.objects.filter(ticket_filter_q(source.filters, "ticket__"), kind=kind)


def _within(period: Period, column: str) -> Q:
    return Q(**{f"{column}__gte": period.start_at, f"{column}__lt": period.end_at})


def _now(source: KpiSource) -> datetime:
    return source.now or timezone.now()


# --- on site within target --------------------------------------------------------------------


@dataclass
class Tally:
    """``part`` of ``whole`` (met of decided; first-time fixes of completed visits)."""

    part: int = 0
    whole: int = 0

    @property
    def rate(self) -> Decimal | None:
        return percent(self.part, self.whole)


def promise_outcome(due_at: datetime, reached_at: datetime | None, now: datetime) -> bool | None:
    """True if the visit reached the customer by ``due_at``, False if it did so late or has
    not and ``due_at`` has passed, None while it is undecided (not reached, not yet due)."""
    if reached_at is not None:
        return reached_at <= due_at
    if due_at <= now:
        return False
    return None


def promise_tallies(rows: Iterable[tuple], now: datetime) -> dict[int | None, Tally]:
    """Rows of (technician id, due at, reached at) → met/decided per technician; the key
    None holds the total."""
    tallies: dict[int | None, Tally] = defaultdict(Tally)
    for technician_id, due_at, reached_at in rows:
        outcome = promise_outcome(due_at, reached_at, now)
        if outcome is None:
            continue
        for key in {None, technician_id}:
            tallies[key].whole += 1
            tallies[key].part += outcome
    return tallies


def promise_rows(source: KpiSource) -> list[tuple]:
    """Visits created in the period that carry a promise: (technician, due at, reached at).
    Reached is when the target was recorded as met, else the check-in."""
    return list(
        _work_orders(source, WorkOrderKind.ON_SITE)
        .filter(_within(source.period, "created_at"), due_at__isnull=False)
        .annotate(reached_at=Coalesce("due_met_at", "checked_in_at"))
        .values_list("technician_id", "due_at", "reached_at")
    )


def visits_open_past_due(source: KpiSource) -> int:
    """Visits now past their ``due_at`` that have not reached the customer, whenever created."""
    return (
        _work_orders(source, WorkOrderKind.ON_SITE)
        .filter(
            status__in=VISIT_OPEN_STATUSES,
            due_at__lt=_now(source),
            due_met_at__isnull=True,
            checked_in_at__isnull=True,
        )
        .count()
    )


# --- first-time fix -----------------------------------------------------------------------------


def completed_rows(source: KpiSource) -> list[tuple]:
    """Visits completed (checked out) in the period: (technician, whether another on-site
    visit exists on the same ticket, before or after it)."""
    other_visit = WorkOrder.objects.filter(
        ticket_id=OuterRef("ticket_id"), kind=WorkOrderKind.ON_SITE
    ).exclude(pk=OuterRef("pk"))
    return list(
        _work_orders(source, WorkOrderKind.ON_SITE)
        .filter(_within(source.period, "checked_out_at"), status=S.COMPLETED)
        .annotate(revisited=Exists(other_visit))
        .values_list("technician_id", "revisited")
    )


def first_fix_tallies(rows: Iterable[tuple]) -> dict[int | None, Tally]:
    """Rows of (technician id, revisited) → first-time fixes/completed visits per technician;
    the key None holds the total."""
    tallies: dict[int | None, Tally] = defaultdict(Tally)
    for technician_id, revisited in rows:
        for key in {None, technician_id}:
            tallies[key].whole += 1
            tallies[key].part += not revisited
    return tallies


# --- repair turnaround and aging ------------------------------------------------------------------


def turnaround_seconds(source: KpiSource) -> list[float]:
    """For each depot repair shipped back in the period, seconds from its creation to shipped
    back: ``due_met_at`` when the target recorded it, else the first ``status_changed`` event
    to ``shipped_back``."""
    shipped_event = WorkOrderEvent.objects.filter(
        work_order_id=OuterRef("pk"), action="status_changed", new_value=S.SHIPPED_BACK
    ).order_by("created_at", "pk")
    rows = (
        _work_orders(source, WorkOrderKind.DEPOT_REPAIR)
        .annotate(
            shipped_at=Coalesce("due_met_at", Subquery(shipped_event.values("created_at")[:1]))
        )
        .filter(_within(source.period, "shipped_at"))
        .values_list("created_at", "shipped_at")
    )
    return [(shipped_at - created_at).total_seconds() for created_at, shipped_at in rows]


def mean_and_median(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return round(statistics.fmean(values)), round(statistics.median(values))


def age_bucket(age: timedelta) -> int:
    """The index in ``AGE_BUCKETS_DAYS`` of an age (negative ages, from clock skew, count as
    the first bucket)."""
    days = age.total_seconds() / DAY_SECONDS
    for index, (_lower, upper) in enumerate(AGE_BUCKETS_DAYS):
        if upper is None or days < upper:
            return index
    return len(AGE_BUCKETS_DAYS) - 1


@dataclass
class StageAging:
    status: str
    label: str
    buckets: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS_DAYS))

    @property
    def count(self) -> int:
        return sum(self.buckets)


def stage_aging(rows: Iterable[tuple], now: datetime) -> list[StageAging]:
    """Rows of (status, status changed at) → each open stage, in lifecycle order, with how
    many repairs have been in it for < 1 day, 1–3, 3–7 and 7 days or more."""
    stages = {status: StageAging(status, str(S(status).label)) for status in OPEN_REPAIR_STAGES}
    for status, changed_at in rows:
        if status in stages:
            stages[status].buckets[age_bucket(now - changed_at)] += 1
    return list(stages.values())


def open_repair_rows(source: KpiSource) -> list[tuple]:
    return list(
        _work_orders(source, WorkOrderKind.DEPOT_REPAIR)
        .filter(status__in=OPEN_REPAIR_STAGES)
        .values_list("status", "status_changed_at")
    )


# --- utilisation ----------------------------------------------------------------------------------


def overlap_seconds(start: datetime, end: datetime, period: Period) -> float:
    """Seconds of ``[start, end)`` inside the period."""
    inside = min(end, period.end_at) - max(start, period.start_at)
    return max(inside.total_seconds(), 0.0)


def booked_seconds(source: KpiSource) -> dict[int, float]:
    """Technician id → seconds of their appointment windows inside the period, counting the
    visits that held their time (scheduled, en route, on site, completed)."""
    period = source.period
    rows = (
        _work_orders(source, WorkOrderKind.ON_SITE)
        .filter(
            status__in=BOOKED_STATUSES,
            technician__isnull=False,
            appointment_start__lt=period.end_at,
            appointment_end__gt=period.start_at,
        )
        .values_list("technician_id", "appointment_start", "appointment_end")
    )
    booked: dict[int, float] = defaultdict(float)
    for technician_id, start, end in rows:
        booked[technician_id] += overlap_seconds(start, end, period)
    return booked


def weekday_seconds(period: Period) -> int:
    """The default working time: 8 hours on each Monday to Friday of the period."""
    weekdays = sum(
        1 for offset in range(period.days) if (period.start + timedelta(offset)).weekday() < 5
    )
    return weekdays * DEFAULT_WORKDAY_SECONDS


def working_seconds(profile: TechnicianProfile, period: Period) -> float:
    """Open time of the technician's calendar in the period (holidays out), or the default."""
    if profile.calendar is None:
        return weekday_seconds(period)
    schedule = schedule_for(profile.calendar)
    return business_seconds_between(schedule, period.start_at, period.end_at)


def utilisation(booked: float, working: float) -> Decimal | None:
    if not working:
        return None
    return (Decimal(100) * Decimal(booked) / Decimal(working)).quantize(TWO_PLACES)


def technician_profiles() -> list[TechnicianProfile]:
    """Active technicians with their calendars' holidays: two queries."""
    return list(
        TechnicianProfile.objects.filter(is_active=True)
        .select_related("membership__user", "calendar")
        .prefetch_related("calendar__holidays")
        .order_by("membership__user__full_name", "membership__user__email", "pk")
    )


# --- parts ----------------------------------------------------------------------------------------


def parts_of_completed(source: KpiSource) -> QuerySet[WorkOrderPart]:
    """Parts fitted on the visits completed in the period."""
    return WorkOrderPart.objects.filter(
        ticket_filter_q(source.filters, "work_order__ticket__"),
        _within(source.period, "work_order__checked_out_at"),
        work_order__kind=WorkOrderKind.ON_SITE,
        work_order__status=S.COMPLETED,
    )


def parts_by_part(source: KpiSource) -> list[dict]:
    """Quantity fitted per part on the visits completed in the period, most first."""
    rows = (
        parts_of_completed(source)
        .values("part__part_number", "part__name", "part__name_zh")
        .annotate(quantity=Sum("quantity"))
        .order_by("-quantity", "part__part_number")
    )
    return [
        {
            "part_number": row["part__part_number"],
            "name": row["part__name"],
            "name_zh": row["part__name_zh"],
            "quantity": row["quantity"],
        }
        for row in rows
    ]


def parts_by_technician(source: KpiSource) -> dict[int, int]:
    rows = (
        parts_of_completed(source)
        .values("work_order__technician_id")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    return {row["work_order__technician_id"]: row["quantity"] for row in rows}


def per_visit(quantity: int, visits: int) -> Decimal | None:
    if not visits:
        return None
    return (Decimal(quantity) / visits).quantize(TWO_PLACES)


# --- the section ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TechnicianRow:
    member_id: int
    name: str
    booked_seconds: float
    working_seconds: float
    utilisation: Decimal | None
    visits_completed: int
    first_time_fix_rate: Decimal | None
    on_site_within_target: Decimal | None
    parts_per_visit: Decimal | None


@dataclass(frozen=True)
class FieldService:
    figures: dict[str, object]
    technicians: list[TechnicianRow]
    aging: list[StageAging]
    top_parts: list[dict]

    def tiles(self) -> list[dict]:
        return [
            {"name": name, "label": str(LABELS[name]), "unit": UNITS[name], "value": value}
            for name, value in self.figures.items()
        ]


def _technician_rows(
    source: KpiSource,
    promise: dict[int | None, Tally],
    first_fix: dict[int | None, Tally],
) -> list[TechnicianRow]:
    booked = booked_seconds(source)
    parts = parts_by_technician(source)
    rows = []
    for profile in technician_profiles():
        member_id = profile.membership_id
        working = working_seconds(profile, source.period)
        completed = first_fix.get(member_id, Tally())
        rows.append(
            TechnicianRow(
                member_id=member_id,
                name=str(profile.membership.user),
                booked_seconds=booked.get(member_id, 0.0),
                working_seconds=working,
                utilisation=utilisation(booked.get(member_id, 0.0), working),
                visits_completed=completed.whole,
                first_time_fix_rate=completed.rate,
                on_site_within_target=promise.get(member_id, Tally()).rate,
                parts_per_visit=per_visit(parts.get(member_id, 0), completed.whole),
            )
        )
    return rows


def field_service(source: KpiSource) -> FieldService:
    """Every field-service figure of the period, with a row per active technician: ten
    queries whatever the number of work orders and technicians."""
    now = _now(source)
    promise = promise_tallies(promise_rows(source), now)
    first_fix = first_fix_tallies(completed_rows(source))
    turnaround = turnaround_seconds(source)
    mean, median = mean_and_median(turnaround)
    technicians = _technician_rows(source, promise, first_fix)
    top_parts = parts_by_part(source)
    completed = first_fix[None].whole
    figures = {
        "on_site_within_target": promise[None].rate,
        "visits_decided": promise[None].whole,
        "visits_open_past_due": visits_open_past_due(source),
        "first_time_fix_rate": first_fix[None].rate,
        "visits_completed": completed,
        "repairs_shipped_back": len(turnaround),
        "repair_turnaround_mean": mean,
        "repair_turnaround_median": median,
        "technician_utilisation": utilisation(
            sum(row.booked_seconds for row in technicians),
            sum(row.working_seconds for row in technicians),
        ),
        "parts_per_visit": per_visit(sum(row["quantity"] for row in top_parts), completed),
    }
    aging = stage_aging(open_repair_rows(source), now)
    return FieldService(figures, technicians, aging, top_parts[:TOP])


def _cell(value) -> str:
    return "" if value is None else str(value)


def field_service_rows(source: KpiSource) -> Iterator[list]:
    """The CSV export: the figures, a row per technician, the aging of open repairs by stage
    and the parts fitted."""
    report = field_service(source)
    yield [_("KPI"), _("value"), _("unit")]
    for tile in report.tiles():
        yield [tile["label"], _cell(tile["value"]), tile["unit"]]
    yield []
    yield [
        _("technician"),
        _("booked hours"),
        _("working hours"),
        _("utilisation (%)"),
        _("visits completed"),
        _("first-time fix rate (%)"),
        _("on site within target (%)"),
        _("parts per visit"),
    ]
    for row in report.technicians:
        yield [
            row.name,
            _hours(row.booked_seconds),
            _hours(row.working_seconds),
            _cell(row.utilisation),
            row.visits_completed,
            _cell(row.first_time_fix_rate),
            _cell(row.on_site_within_target),
            _cell(row.parts_per_visit),
        ]
    yield []
    yield [_("open repairs: stage"), _("count"), *bucket_labels()]
    for stage in report.aging:
        yield [stage.label, stage.count, *stage.buckets]
    yield []
    yield [_("part number"), _("part"), _("quantity fitted")]
    for part in report.top_parts:
        yield [part["part_number"], part["name"], part["quantity"]]


def _hours(seconds: float) -> str:
    return str(Decimal(seconds / 3600).quantize(TWO_PLACES))


def bucket_labels() -> list[str]:
    return [_("under 1 day"), _("1–3 days"), _("3–7 days"), _("7 days or more")]
