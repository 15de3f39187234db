"""Dispatch: which technician should take a visit, and what the board shows.

The ranking is a pure function (``rank_candidates``) over facts gathered by queries
(``propose_technicians``), so it can be tested without a database. Scheduling itself, and its
refusal of double-booking, stays in ``fieldservice.services.work_order_schedule``; a window
outside a technician's working calendar is only a warning the coordinator may override.

Preconditions for every read here: the tenant scope is active.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from fieldservice.models import TechnicianProfile, WorkOrder, WorkOrderKind, WorkOrderStatus
from fieldservice.selectors import WORK_ORDER_RELATIONS, technicians
from fieldservice.transitions import HOLDS_TECHNICIAN
from helpdesk.models import Skill
from sla.business_hours import business_seconds_between, open_windows
from sla.models import Calendar
from sla.services import schedule_for

WAITING_FOR_A_WINDOW = (WorkOrderStatus.UNSCHEDULED, WorkOrderStatus.RESCHEDULED)


# --- the working calendar -------------------------------------------------------------------------


def window_inside_calendar(calendar: Calendar | None, start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` is open time of ``calendar`` throughout (no calendar: always).
    Precondition: the calendar's holidays are loaded or loadable."""
    if calendar is None or calendar.is_24x7:
        return True
    open_seconds = business_seconds_between(schedule_for(calendar), start, end)
    return open_seconds >= (end - start).total_seconds()


def calendar_warning(profile: TechnicianProfile | None, start: datetime, end: datetime) -> str:
    """The warning to show before booking a window outside the technician's working
    calendar ("" when it is inside, or the member has no technician profile)."""
    calendar = profile.calendar if profile else None
    if window_inside_calendar(calendar, start, end):
        return ""
    return _("This window is outside the technician's working calendar (%(calendar)s).") % {
        "calendar": calendar
    }


def working_hours(calendar: Calendar | None, day: date, zone: ZoneInfo) -> list[tuple]:
    """The calendar's open spans on ``day`` (in ``zone``), clipped to that day; an empty list
    for a day off; None-less always: no calendar is the whole day."""
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    day_end = day_start + timedelta(days=1)
    if calendar is None or calendar.is_24x7:
        return [(day_start, day_end)]
    spans = []
    for start, end in open_windows(schedule_for(calendar), day_start):
        if start >= day_end:
            break
        spans.append((start.astimezone(zone), min(end, day_end).astimezone(zone)))
    return spans


# --- the proposal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What dispatch knows about one technician for one visit and window."""

    profile: TechnicianProfile
    missing_skills: tuple[str, ...]
    covers_region: bool
    is_free: bool
    inside_calendar: bool
    booked_minutes: int


@dataclass
class Proposal:
    profile: TechnicianProfile
    is_suitable: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def technician(self):
        return self.profile.membership


def rank_candidates(candidates: list[Candidate], *, region: str = "") -> list[Proposal]:
    """Best first, by: every required skill, free in the window, covers the region, works
    then, fewest booked minutes that day. Free time comes before the region because
    scheduling a booked technician is refused anyway (``work_order_schedule``). A technician
    missing a skill or already booked is kept, last, with the reason."""
    ordered = sorted(candidates, key=lambda c: _rank_key(c, region))
    return [
        Proposal(
            profile=c.profile,
            is_suitable=not c.missing_skills and c.is_free,
            reasons=_reasons(c, region),
        )
        for c in ordered
    ]


def _rank_key(candidate: Candidate, region: str) -> tuple:
    return (
        bool(candidate.missing_skills),
        not candidate.is_free,
        bool(region) and not candidate.covers_region,
        not candidate.inside_calendar,
        candidate.booked_minutes,
        str(candidate.profile.membership.user).casefold(),
    )


def _reasons(candidate: Candidate, region: str) -> list[str]:
    reasons = [
        _("Lacks: %(skills)s") % {"skills": ", ".join(candidate.missing_skills)}
        if candidate.missing_skills
        else _("Has every required skill")
    ]
    if region:
        reasons.append(
            _("Covers %(region)s") % {"region": region}
            if candidate.covers_region
            else _("Does not cover %(region)s") % {"region": region}
        )
    reasons.append(_("Free in this window") if candidate.is_free else _("Booked in this window"))
    if not candidate.inside_calendar:
        reasons.append(_("Outside their working calendar"))
    hours = candidate.booked_minutes / 60
    reasons.append(_("%(hours)s h booked that day") % {"hours": f"{hours:g}"})
    return reasons


def propose_technicians(
    work_order: WorkOrder, start: datetime, end: datetime, *, zone: ZoneInfo
) -> list[Proposal]:
    """Every active technician ranked for ``work_order`` in ``[start, end)``; the load is
    counted on the window's day in ``zone`` (the tenant's time zone). A constant number of
    queries."""
    profiles = list(technicians().prefetch_related("calendar__holidays"))
    day_start = datetime.combine(start.astimezone(zone).date(), time.min, tzinfo=zone)
    day_end = day_start + timedelta(days=1)
    visits = _held_visits(profiles, min(day_start, start), max(day_end, end))
    required = set(work_order.required_skills.values_list("name", flat=True))
    candidates = []
    for profile in profiles:
        others = [v for v in visits[profile.membership_id] if v.pk != work_order.pk]
        that_day = [
            v for v in others if v.appointment_start < day_end and v.appointment_end > day_start
        ]
        clashes = [v for v in others if v.appointment_start < end and v.appointment_end > start]
        candidates.append(
            Candidate(
                profile=profile,
                missing_skills=tuple(sorted(required - _skill_names(profile))),
                covers_region=work_order.region.casefold()
                in {name.casefold() for name in profile.region_list},
                is_free=not clashes,
                inside_calendar=window_inside_calendar(profile.calendar, start, end),
                booked_minutes=sum(_minutes(v) for v in that_day),
            )
        )
    return rank_candidates(candidates, region=work_order.region)


def _skill_names(profile: TechnicianProfile) -> set[str]:
    return {skill.name for skill in profile.membership.skills.all()}


def _held_visits(profiles, since: datetime, until: datetime) -> dict[int, list[WorkOrder]]:
    """The visits holding each technician's time that overlap ``[since, until)``, in order."""
    rows = WorkOrder.objects.filter(
        technician_id__in=[p.membership_id for p in profiles],
        status__in=HOLDS_TECHNICIAN,
        appointment_start__lt=until,
        appointment_end__gt=since,
    ).order_by("appointment_start", "pk")
    by_technician: dict[int, list[WorkOrder]] = defaultdict(list)
    for visit in rows.select_related(*WORK_ORDER_RELATIONS):
        by_technician[visit.technician_id].append(visit)
    return by_technician


def _minutes(visit: WorkOrder) -> int:
    return int((visit.appointment_end - visit.appointment_start).total_seconds() // 60)


# --- the board ------------------------------------------------------------------------------------


@dataclass
class BoardStop:
    """One visit in a technician's day, with the gap before it (travel time, in minutes)."""

    visit: WorkOrder
    gap_minutes: int | None


@dataclass
class TechnicianDay:
    profile: TechnicianProfile
    stops: list[BoardStop]
    hours: list[tuple]

    @property
    def booked_minutes(self) -> int:
        return sum(_minutes(stop.visit) for stop in self.stops)


def travel_gaps(visits: list[WorkOrder]) -> list[BoardStop]:
    """Each visit in order with the minutes between the previous one's end and its start
    (None for the first; 0 for back-to-back)."""
    stops = []
    previous_end = None
    for visit in visits:
        gap = None
        if previous_end is not None:
            gap = max(0, int((visit.appointment_start - previous_end).total_seconds() // 60))
        stops.append(BoardStop(visit=visit, gap_minutes=gap))
        previous_end = visit.appointment_end
    return stops


def technician_days(day: date, zone: ZoneInfo) -> list[TechnicianDay]:
    """Every active technician's visits on ``day`` (in ``zone``), with travel gaps and their
    working hours. A constant number of queries."""
    profiles = list(technicians().prefetch_related("calendar__holidays"))
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    visits = _held_visits(profiles, day_start, day_start + timedelta(days=1))
    return [
        TechnicianDay(
            profile=profile,
            stops=travel_gaps(visits[profile.membership_id]),
            hours=working_hours(profile.calendar, day, zone),
        )
        for profile in profiles
    ]


@dataclass
class WaitingGroup:
    region: str
    day: date
    visits: list[WorkOrder]


def visits_waiting() -> QuerySet[WorkOrder]:
    """Visits that need a window: unscheduled or rescheduled, most urgent first."""
    return (
        WorkOrder.objects.filter(kind=WorkOrderKind.ON_SITE, status__in=WAITING_FOR_A_WINDOW)
        .select_related(*WORK_ORDER_RELATIONS)
        .prefetch_related(Prefetch("required_skills", queryset=Skill.objects.order_by("name")))
        .order_by("due_at", "created_at", "pk")
    )


def waiting_groups(visits: list[WorkOrder], zone: ZoneInfo) -> list[WaitingGroup]:
    """The visits by region, then by the day they are due (``due_at``, else the day they
    were created) in ``zone``; regions by name (no region last), days in order."""
    groups: dict[tuple[str, date], list[WorkOrder]] = defaultdict(list)
    for visit in visits:
        groups[(visit.region, (visit.due_at or visit.created_at).astimezone(zone).date())].append(
            visit
        )
    keys = sorted(groups, key=lambda key: (not key[0], key[0].casefold(), key[1]))
    return [
        WaitingGroup(region=region, day=day, visits=groups[region, day]) for region, day in keys
    ]
