"""Keep ``TicketFigures`` and ``DailyRollup`` up to date: the one writer of both.

``rollup_refresh`` recomputes the figures of every ticket changed since the last run (its own
row, its SLA record or its escalations), then rebuilds every day those tickets touch — the
day they were created and the day they were (last) resolved, before and after the change.
Celery beat runs it every few minutes per tenant (``reports.tasks``); the dashboards read only
what it wrote, never the event log.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from helpdesk.models import Tenant
from sla.business_hours import Schedule, business_seconds_between
from sla.models import Escalation, Level, PauseSpan, SlaPolicy, Target, TicketSla
from sla.rules import rules_for
from sla.services import schedule_for
from tickets.models import Message, MessageKind, Status, Ticket

from .models import DIMENSIONS, DailyRollup, RollupState, TicketFigures

BATCH_SIZE = 2000
DAYS_PER_REBUILD = 31
# Rows committed by a transaction that started before the previous run's cut-off but finished
# after it still carry an earlier ``updated_at``: look back this much further.
OVERLAP = timedelta(minutes=10)
ROUND_THE_CLOCK = Schedule.round_the_clock("UTC")
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class RefreshResult:
    tickets: int
    days: int


def rollup_refresh(*, tenant: Tenant, now: datetime | None = None, full: bool = False):
    """Bring the tenant's figures and rollups up to ``now``. Idempotent.

    Precondition: the tenant scope is active. One transaction; the ``RollupState`` row lock
    keeps two workers from rebuilding the same tenant at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        RollupState.objects.get_or_create(tenant=tenant)
        state = RollupState.objects.select_for_update().get(tenant=tenant)
        since = None if full or state.refreshed_until is None else state.refreshed_until - OVERLAP
        ids = changed_ticket_ids(since)
        days: set[date] = set()
        for batch in _chunks(ids, BATCH_SIZE):
            days |= _refresh_figures(tenant, batch, now)
        _rebuild_days(tenant, days)
        state.refreshed_until = state.refreshed_at = now
        state.save(update_fields=["refreshed_until", "refreshed_at"])
    return RefreshResult(tickets=len(ids), days=len(days))


def changed_ticket_ids(since: datetime | None) -> list[int]:
    """Every ticket when ``since`` is None; else those whose row, SLA record or escalations
    changed at or after ``since`` (the sweeper records breaches without touching the ticket)."""
    if since is None:
        return list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    ids = set(Ticket.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    ids |= set(TicketSla.objects.filter(updated_at__gte=since).values_list("ticket_id", flat=True))
    ids |= set(Escalation.objects.filter(created_at__gte=since).values_list("ticket_id", flat=True))
    return sorted(ids)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- per-ticket figures ------------------------------------------------------------------------


TICKET_FIELDS = (
    "pk",
    "created_at",
    "status",
    "resolved_at",
    "closed_at",
    "first_responded_at",
    "reopened_count",
    "team_id",
    "assignee_id",
    "category_id",
    "channel",
    "customer_id",
    "customer__tier_id",
    "customer__organization__tier_id",
    "category__is_complaint",
    "sla__policy_id",
)


FIGURE_UPDATE_FIELDS = [
    f.name for f in TicketFigures._meta.concrete_fields if f.name not in ("ticket", "tenant")
]


def _refresh_figures(tenant: Tenant, ids: list[int], now: datetime) -> set[date]:
    """Recompute and upsert the figures of these tickets; return the days they touch."""
    context = _BatchContext.load(tenant, ids, now)
    rows = Ticket.objects.filter(pk__in=ids).values(*TICKET_FIELDS)
    figures = [context.figures_of(row) for row in rows]
    days = {day for pair in context.old_days for day in pair if day is not None}
    days |= {day for f in figures for day in (f.created_day, f.done_day) if day is not None}
    TicketFigures.objects.bulk_create(
        figures,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=FIGURE_UPDATE_FIELDS,
    )
    return days


@dataclass
class _BatchContext:
    """Everything the figures of one batch of tickets need, fetched in a constant number of
    queries (one per kind), whatever the batch size."""

    tenant_id: int
    zone: ZoneInfo
    now: datetime
    schedules: dict[int, Schedule]
    pauses: dict[int, list[tuple[datetime, datetime]]]
    breaches: set[tuple[int, str]]
    agent_replies: dict[int, int]
    repeat_complaints: set[int]
    old_days: list[tuple[date | None, date | None]]

    @classmethod
    def load(cls, tenant: Tenant, ids: list[int], now: datetime) -> "_BatchContext":
        return cls(
            tenant_id=tenant.pk,
            zone=ZoneInfo(tenant.time_zone),
            now=now,
            schedules=_schedules(),
            pauses=_pauses(ids, now),
            breaches=set(
                Escalation.objects.filter(ticket_id__in=ids, level=Level.BREACH).values_list(
                    "ticket_id", "target"
                )
            ),
            agent_replies=dict(
                Message.objects.filter(
                    ticket_id__in=ids,
                    kind=MessageKind.PUBLIC,
                    author_member__isnull=False,
                    is_system=False,
                )
                .values("ticket_id")
                .annotate(n=Count("pk"))
                .values_list("ticket_id", "n")
            ),
            repeat_complaints=_repeat_complaints(tenant, ids),
            old_days=list(
                TicketFigures.objects.filter(ticket_id__in=ids).values_list(
                    "created_day", "done_day"
                )
            ),
        )

    def figures_of(self, row: dict) -> TicketFigures:
        done_at = _done_at(row)
        schedule = self.schedules.get(row["sla__policy_id"], ROUND_THE_CLOCK)
        pauses = self.pauses.get(row["pk"], [])
        return TicketFigures(
            ticket_id=row["pk"],
            tenant_id=self.tenant_id,
            created_at=row["created_at"],
            created_day=self._day(row["created_at"]),
            done_at=done_at,
            done_day=self._day(done_at),
            team_id=row["team_id"],
            agent_id=row["assignee_id"],
            category_id=row["category_id"],
            tier_id=row["customer__tier_id"] or row["customer__organization__tier_id"],
            channel=row["channel"],
            is_complaint=bool(row["category__is_complaint"]),
            is_repeat_complaint=row["pk"] in self.repeat_complaints,
            first_response_seconds=_seconds(
                schedule, row["created_at"], row["first_responded_at"], pauses
            ),
            resolution_seconds=_seconds(schedule, row["created_at"], done_at, pauses),
            first_response_met=self._met(row, Target.FIRST_RESPONSE, row["first_responded_at"]),
            resolution_met=self._met(row, Target.RESOLUTION, done_at),
            first_contact_resolved=(
                done_at is not None
                and row["reopened_count"] == 0
                and self.agent_replies.get(row["pk"], 0) == 1
            ),
            was_reopened=row["reopened_count"] > 0,
            computed_at=self.now,
        )

    def _day(self, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(self.zone).date()

    def _met(self, row: dict, target: str, reached_at: datetime | None) -> bool | None:
        """False once breached; True once reached without a breach; None without a policy or
        while undecided."""
        if row["sla__policy_id"] is None:
            return None
        if (row["pk"], target) in self.breaches:
            return False
        return True if reached_at is not None else None


def _done_at(row: dict) -> datetime | None:
    if row["status"] not in DONE_STATUSES:
        return None
    return row["resolved_at"] or row["closed_at"]


def _seconds(schedule: Schedule, start: datetime, end: datetime | None, pauses) -> int | None:
    if end is None:
        return None
    return round(business_seconds_between(schedule, start, end, pauses))


def _schedules() -> dict[int, Schedule]:
    policies = SlaPolicy.objects.select_related("calendar").prefetch_related("calendar__holidays")
    return {policy.pk: schedule_for(policy.calendar) for policy in policies}


def _pauses(ids: list[int], now: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Pause spans per ticket; a pause still running ends now."""
    spans = defaultdict(list)
    rows = PauseSpan.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "started_at", "ended_at"
    )
    for ticket_id, started_at, ended_at in rows:
        spans[ticket_id].append((started_at, ended_at or now))
    return spans


def _repeat_complaints(tenant: Tenant, ids: list[int]) -> set[int]:
    """Complaint tickets whose customer had filed another complaint within the tenant's
    repeat window (``EscalationRules.repeat_complaint_days``) before it — 二次投诉."""
    complaints = list(
        Ticket.objects.filter(pk__in=ids, category__is_complaint=True).values_list(
            "pk", "customer_id", "created_at"
        )
    )
    if not complaints:
        return set()
    window = timedelta(days=rules_for(tenant.pk).repeat_complaint_days)
    earliest = min(created for _pk, _c, created in complaints) - window
    history = defaultdict(list)
    for pk, customer_id, created in Ticket.objects.filter(
        customer_id__in={customer for _pk, customer, _c in complaints},
        category__is_complaint=True,
        created_at__gte=earliest,
    ).values_list("pk", "customer_id", "created_at"):
        history[customer_id].append((created, pk))
    return {
        pk
        for pk, customer_id, created in complaints
        if any(
            created - window <= other_at and (other_at, other_pk) < (created, pk)
            for other_at, other_pk in history[customer_id]
        )
    }


# --- daily rollups ----------------------------------------------------------------------------


CREATED_SUMS = {
    "created": Count("pk"),
    "created_done": Count("pk", filter=Q(done_at__isnull=False)),
    "first_responses": Count("first_response_seconds"),
    "first_response_seconds": Coalesce(Sum("first_response_seconds"), 0),
    "first_response_sla_total": Count("first_response_met"),
    "first_response_sla_met": Count("pk", filter=Q(first_response_met=True)),
    "complaints": Count("pk", filter=Q(is_complaint=True)),
    "repeat_complaints": Count("pk", filter=Q(is_repeat_complaint=True)),
}
DONE_SUMS = {
    "done": Count("pk"),
    "resolution_seconds": Coalesce(Sum("resolution_seconds"), 0),
    "resolution_sla_total": Count("resolution_met"),
    "resolution_sla_met": Count("pk", filter=Q(resolution_met=True)),
    "first_contact_resolved": Count("pk", filter=Q(first_contact_resolved=True)),
    "reopened": Count("pk", filter=Q(was_reopened=True)),
}


def _rebuild_days(tenant: Tenant, days: Iterable[date]) -> None:
    """Replace the rollup rows of these days with fresh sums of the figures."""
    ordered = sorted(days)
    for start in range(0, len(ordered), DAYS_PER_REBUILD):
        chunk = ordered[start : start + DAYS_PER_REBUILD]
        DailyRollup.objects.filter(tenant=tenant, day__in=chunk).delete()
        rows: dict[tuple, dict] = defaultdict(dict)
        for day_field, sums in (("created_day", CREATED_SUMS), ("done_day", DONE_SUMS)):
            _sum_into(rows, tenant, day_field, chunk, sums)
        DailyRollup.objects.bulk_create(
            (
                DailyRollup(tenant=tenant, day=key[0], **_dimensions(key), **measures)
                for key, measures in rows.items()
            ),
            batch_size=2000,
        )


def _dimensions(key: tuple) -> dict:
    return dict(zip(DIMENSIONS, key[1:], strict=True))


def _sum_into(rows: dict, tenant: Tenant, day_field: str, days: list[date], sums: dict) -> None:
    # Annotation names may not clash with model fields, hence the "sum_" prefix.
    grouped = (
        TicketFigures.objects.filter(tenant=tenant, **{f"{day_field}__in": days})
        .values(day_field, *DIMENSIONS)
        .annotate(**{f"sum_{name}": aggregate for name, aggregate in sums.items()})
        .order_by()
    )
    for row in grouped:
        key = (row[day_field], *(row[d] for d in DIMENSIONS))
        rows[key].update({name: row[f"sum_{name}"] for name in sums})
