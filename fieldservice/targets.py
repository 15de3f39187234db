"""The field-service promise on each work order, and its escalation ladder.

* A **visit** promises to be *on site by* a time: by default 48 hours after the visit was
  created, counted on the tenant's field-service calendar (``FieldServiceSettings``; none:
  round the clock in the tenant's time zone). Kept when the technician checks in.
* A **depot repair** promises a *turnaround*: by default 7 days from its creation to being
  shipped back. Kept when it is shipped back.

The promise is fixed when the work order is created and stored on it (``target_minutes`` and
``target_calendar``), so it stays as promised while settings change. An SLA policy that
matches the ticket (``on_site_minutes``, ``repair_turnaround_minutes``; so a VIP tier's
policy) and a service contract in force on the unit (its plan's ``on_site_within_hours``)
can only shorten it.

The ladder is the tickets' own (``sla.deadlines.ladder``): amber at the warning share, red at
the due time, the managers after a further share. Each rung is recorded once
(``WorkOrderEscalation`` is unique per work order and level; ``INSERT … ON CONFLICT DO
NOTHING``), then audited and notified: amber and red to the technician (or, with none yet, to
the ticket's assignee, else its team lead), the manager rung to the tenant's managers. The
SLA sweeper claims due work orders through ``next_check_at`` (``fieldservice.sweeper``).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from fieldservice.models import (
    FieldServiceSettings,
    WorkOrder,
    WorkOrderEscalation,
    WorkOrderKind,
    WorkOrderStatus,
)
from helpdesk.audit import audit_record
from helpdesk.models import Membership
from helpdesk.notifications import notify, notify_many
from helpdesk.selectors import tenant_managers
from products.entitlement import unit_entitlement
from sla import deadlines as dl
from sla.business_hours import Schedule
from sla.models import Calendar, TicketSla
from sla.services import schedule_for

S = WorkOrderStatus
# When each kind's promise is kept: the visit reaches the site, the repair is shipped back.
KEPT_ON = {WorkOrderKind.ON_SITE: S.ON_SITE, WorkOrderKind.DEPOT_REPAIR: S.SHIPPED_BACK}


@dataclass(frozen=True)
class Promise:
    minutes: Decimal
    calendar: Calendar | None
    amber_percent: int
    manager_after_percent: int


# --- the promise, fixed at creation ------------------------------------------------------------


def field_settings(tenant_id: int) -> FieldServiceSettings:
    """The tenant's settings, or the defaults (unsaved) when the tenant has none."""
    found = FieldServiceSettings.objects.filter(tenant_id=tenant_id).first()
    return found or FieldServiceSettings(tenant_id=tenant_id)


def promise_for(work_order: WorkOrder, settings: FieldServiceSettings | None = None) -> Promise:
    """What this work order promises: the tenant's default, shortened by the ticket's SLA
    policy and (for a visit) by a contract in force on the unit today."""
    settings = settings or field_settings(work_order.tenant_id)
    visit = work_order.kind == WorkOrderKind.ON_SITE
    candidates = [Decimal(settings.on_site_minutes if visit else settings.turnaround_minutes)]
    policy = _ticket_policy(work_order)
    if policy is not None:
        override_minutes = policy.on_site_minutes if visit else policy.repair_turnaround_minutes
        if override_minutes:
            candidates.append(Decimal(override_minutes))
    if visit and work_order.unit_id:
        hours = unit_entitlement(work_order.unit, timezone.localdate()).on_site_within_hours
        if hours:
            candidates.append(Decimal(hours * 60))
    return Promise(
        minutes=min(candidates),
        calendar=settings.calendar,
        amber_percent=settings.amber_percent,
        manager_after_percent=settings.manager_after_percent,
    )


def _ticket_policy(work_order: WorkOrder):
    sla = TicketSla.objects.filter(ticket_id=work_order.ticket_id).select_related("policy").first()
    return sla.policy if sla is not None else None


def target_start(*, work_order: WorkOrder, now: datetime | None = None) -> WorkOrder:
    """Fix the promise of a new work order and compute its first rungs. Precondition: in the
    creating transaction, the tenant scope active."""
    settings = field_settings(work_order.tenant_id)
    promise = promise_for(work_order, settings)
    work_order.target_minutes = promise.minutes
    work_order.target_calendar = promise.calendar
    return target_refresh(
        work_order=work_order,
        now=now,
        ladder=(promise.amber_percent, promise.manager_after_percent),
    )


# --- the ladder --------------------------------------------------------------------------------


def schedule_of(work_order: WorkOrder) -> Schedule:
    calendar = work_order.target_calendar
    if calendar is not None:
        return schedule_for(calendar)
    return Schedule.round_the_clock(work_order.tenant.time_zone)


def checkpoints_of(
    work_order: WorkOrder, schedule: Schedule, ladder: tuple[int, int]
) -> list[dl.Checkpoint]:
    """The rungs of the work order's promise, in order (none without a promise)."""
    if not work_order.target_minutes:
        return []
    seconds = int(work_order.target_minutes * 60)
    amber, manager_after = ladder
    return dl.ladder(
        schedule, _target_name(work_order), work_order.created_at, seconds, amber, manager_after
    )


def _target_name(work_order: WorkOrder) -> str:
    return "on_site" if work_order.kind == WorkOrderKind.ON_SITE else "turnaround"


@dataclass
class SweepBatch:
    """What a sweep batch reads once (settings, managers, recorded rungs) and the
    notifications its refreshes queue, written at its end. Precondition: scopes disabled."""

    ladders: dict[int, tuple[int, int]]
    managers: dict[int, list[Membership]]
    recorded: dict[int, set[str]]
    notices: list[tuple[Membership, str, str]]

    @classmethod
    def load(cls, rows: list[WorkOrder]) -> "SweepBatch":
        tenant_ids = {row.tenant_id for row in rows}
        ladders = {
            s.tenant_id: (s.amber_percent, s.manager_after_percent)
            for s in FieldServiceSettings.objects.filter(tenant_id__in=tenant_ids)
        }
        managers: dict[int, list[Membership]] = {}
        for member in tenant_managers().filter(tenant_id__in=tenant_ids):
            managers.setdefault(member.tenant_id, []).append(member)
        recorded: dict[int, set[str]] = {}
        rungs = WorkOrderEscalation.objects.filter(work_order__in=[r.pk for r in rows])
        for work_order_id, level in rungs.values_list("work_order_id", "level"):
            recorded.setdefault(work_order_id, set()).add(level)
        return cls(ladders, managers, recorded, [])

    def flush(self) -> None:
        notify_many(self.notices)
        self.notices = []


DEFAULT_LADDER = (
    FieldServiceSettings._meta.get_field("amber_percent").default,
    FieldServiceSettings._meta.get_field("manager_after_percent").default,
)


def target_refresh(
    *,
    work_order: WorkOrder,
    now: datetime | None = None,
    ladder: tuple[int, int] | None = None,
    batch: SweepBatch | None = None,
) -> WorkOrder:
    """Bring the work order's promise up to date: kept or not, the rungs passed (each recorded
    and notified once), its colour and when to look again. Precondition: the tenant scope is
    active (the sweeper enters it per row), inside the transaction of the change."""
    now = now or timezone.now()
    if ladder is None:
        ladder = batch.ladders.get(work_order.tenant_id) if batch is not None else None
        ladder = ladder or _ladder_of(work_order.tenant_id)
    _note_kept(work_order, now)
    points = checkpoints_of(work_order, schedule_of(work_order), ladder)
    due = next((cp.at for cp in points if cp.level == dl.BREACH), None)
    if batch is not None:
        recorded = batch.recorded.setdefault(work_order.pk, set())
    else:
        recorded = set(
            WorkOrderEscalation.objects.filter(work_order=work_order).values_list(
                "level", flat=True
            )
        )
    work_order.due_at = due
    # A rung passed before the promise was kept is recorded even when no sweep saw it in time.
    kept_at = work_order.due_met_at
    for checkpoint in points:
        passed = checkpoint.at <= (kept_at or now)
        if passed and checkpoint.level not in recorded and _record(work_order, checkpoint, batch):
            recorded.add(checkpoint.level)
    work_order.colour = _colour(work_order, points, recorded, now)
    pending = [cp.at for cp in points if cp.level not in recorded and kept_at is None]
    work_order.next_check_at = min(pending) if pending else None
    WorkOrder.objects.filter(pk=work_order.pk).update(
        target_minutes=work_order.target_minutes,
        target_calendar=work_order.target_calendar,
        due_at=work_order.due_at,
        due_met_at=work_order.due_met_at,
        breached_at=work_order.breached_at,
        colour=work_order.colour,
        next_check_at=work_order.next_check_at,
    )
    return work_order


def _ladder_of(tenant_id: int) -> tuple[int, int]:
    settings = FieldServiceSettings.objects.filter(tenant_id=tenant_id).first()
    if settings is None:
        return DEFAULT_LADDER
    return settings.amber_percent, settings.manager_after_percent


def _note_kept(work_order: WorkOrder, now: datetime) -> None:
    """A visit that has checked in, a repair that has been shipped back: the promise is kept
    at that moment (a visit's check-in time; the repair's move to shipped back)."""
    if work_order.due_met_at is not None:
        return
    if work_order.kind == WorkOrderKind.ON_SITE and work_order.checked_in_at is not None:
        work_order.due_met_at = work_order.checked_in_at
    elif work_order.kind == WorkOrderKind.DEPOT_REPAIR and work_order.status in (
        S.SHIPPED_BACK,
        S.DELIVERED,
    ):
        work_order.due_met_at = work_order.status_changed_at or now


def _colour(work_order: WorkOrder, points, recorded: set[str], now: datetime) -> str:
    if not points:
        return "none"
    if work_order.breached_at is not None:
        return "red"
    if work_order.due_met_at is not None:
        return "met"
    if dl.BREACH in recorded or dl.MANAGER in recorded:
        return "red"
    if dl.WARNING in recorded:
        return "amber"
    return "green"


def _record(work_order: WorkOrder, checkpoint: dl.Checkpoint, batch: SweepBatch | None) -> bool:
    """Insert the rung; False if another sweeper already did. Then audit and notify."""
    if not _insert_rung(work_order, checkpoint):
        return False
    if checkpoint.level == dl.BREACH:
        work_order.breached_at = checkpoint.at
    audit_record(
        tenant=work_order.tenant_id,
        actor="SLA",
        action="target_" + checkpoint.level,
        target=work_order,
        field=checkpoint.target,
        data={"due_at": checkpoint.at.isoformat()},
    )
    managers = None if batch is None else batch.managers.get(work_order.tenant_id, [])
    for recipient in _recipients(work_order, checkpoint.level, managers):
        text = _notice_text(work_order, checkpoint.level, recipient)
        url = f"/work-orders/{work_order.pk}/"
        if batch is None:
            notify(recipient=recipient, text=text, url=url)
        else:
            batch.notices.append((recipient, text, url))
    return True


def _insert_rung(work_order: WorkOrder, checkpoint: dl.Checkpoint) -> bool:
    ops = connection.ops
    sql = (
        f"INSERT INTO {ops.quote_name(WorkOrderEscalation._meta.db_table)}"  # noqa: S608 - our own table  # nosec B608
        " (tenant_id, work_order_id, level, due_at, created_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
    )
    params = [work_order.tenant_id, work_order.pk, checkpoint.level]
    params += [
        ops.adapt_datetimefield_value(checkpoint.at),
        ops.adapt_datetimefield_value(timezone.now()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _recipients(
    work_order: WorkOrder, level: str, managers: list[Membership] | None
) -> list[Membership]:
    """Amber and red → the technician, or with none yet the ticket's assignee, else its team
    lead (who dispatches); the manager rung, or nobody below it → the tenant's managers."""
    if level in (dl.WARNING, dl.BREACH):
        ticket = work_order.ticket
        for member in (work_order.technician, ticket.assignee, _team_lead(ticket)):
            if member is not None and member.is_active:
                return [member]
    return list(tenant_managers() if managers is None else managers)


def _team_lead(ticket) -> Membership | None:
    return ticket.team.lead if ticket.team_id and ticket.team.lead_id else None


def _notice_text(work_order: WorkOrder, level: str, recipient: Membership) -> str:
    language = recipient.user.language or work_order.tenant.default_language
    with override(language):
        visit = work_order.kind == WorkOrderKind.ON_SITE
        if visit:
            texts = {
                dl.WARNING: _("Visit for ticket #%(number)s: on site due soon (%(due)s)."),
                dl.BREACH: _("Visit for ticket #%(number)s missed its on-site time (%(due)s)."),
                dl.MANAGER: _("Visit for ticket #%(number)s is still not on site (due %(due)s)."),
            }
        else:
            texts = {
                dl.WARNING: _("Repair %(rma)s: turnaround due soon (%(due)s)."),
                dl.BREACH: _("Repair %(rma)s missed its turnaround (%(due)s)."),
                dl.MANAGER: _("Repair %(rma)s is still not shipped back (due %(due)s)."),
            }
        due = timezone.localtime(work_order.due_at, ZoneInfo(work_order.tenant.time_zone))
        return texts[level] % {
            "number": work_order.ticket.number,
            "rma": work_order.rma_number,
            "due": due.strftime("%Y-%m-%d %H:%M"),
        }
