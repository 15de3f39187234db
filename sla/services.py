"""Every write of the SLA engine.

``sla_refresh`` is the one entry point: ticket services call it after each change and the
sweeper calls it when a checkpoint comes due. It derives the clock from the ticket's state
(pauses, customer waiting, reopen), computes deadlines with the pure ``sla.deadlines``,
records every checkpoint that has passed exactly once (unique row, ``INSERT … ON CONFLICT DO
NOTHING``) and queues the notifications for after the commit. The sweeper hands it a
``SweepBatch``: what a batch of due tickets needs is then read once for the batch, and the
audit events and notifications are written in bulk at its end, in the same transaction.
``sla_start`` is the entry point's shortcut for a ticket created in the same transaction.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpdesk.audit import audit_delete, audit_flush, audit_record, audit_save
from helpdesk.models import Membership, Tenant, WebhookSubscription
from helpdesk.notifications import notify, notify_many
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.selectors import tenant_managers
from products.entitlement import unit_entitlement
from tickets.models import ACTIVE_STATUSES, Status, Ticket, TicketEvent

from . import deadlines as dl
from . import events
from .business_hours import Schedule
from .models import Calendar, Colour, Escalation, Level, PauseSpan, SlaPolicy, TicketSla

logger = logging.getLogger(__name__)


def schedule_for(calendar: Calendar) -> Schedule:
    holidays = frozenset(h.date for h in calendar.holidays.all())  # prefetched by active_policies
    return _schedule(calendar.time_zone, calendar.is_24x7, _hours_key(calendar), holidays)


def _hours_key(calendar: Calendar) -> tuple:
    return tuple(
        (int(day), tuple(tuple(interval) for interval in intervals))
        for day, intervals in sorted(calendar.opening_hours.items())
    )


@lru_cache(maxsize=256)
def _schedule(zone: str, always_open: bool, hours: tuple, holidays: frozenset) -> Schedule:
    from datetime import time
    from zoneinfo import ZoneInfo

    weekly = {
        day: tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in intervals)
        for day, intervals in hours
    }
    return Schedule(zone=ZoneInfo(zone), weekly=weekly, holidays=holidays, always_open=always_open)


def active_policies() -> list[SlaPolicy]:
    """The tenant's active policies in order, with everything matching needs. Scope active."""
    return list(_active_policies_query())


def _active_policies_query():
    return (
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("tiers", "categories", "calendar__holidays")
    )


def policy_for(
    ticket: Ticket,
    policies: list[SlaPolicy] | None = None,
    kinds: frozenset[str] | None = None,
) -> SlaPolicy | None:
    """First active policy, in order, whose priority / tier / category / entitlement
    conditions all match.

    ``policies`` lets a sweep batch load them once per tenant instead of once per ticket;
    ``kinds``: the ticket's entitlement kinds when known (stored on its SLA row), else worked
    out from its unit.
    """
    if kinds is None:
        kinds = unit_entitlement(ticket.unit).kinds
    for policy in active_policies() if policies is None else policies:
        if policy.priorities and ticket.priority not in policy.priorities:
            continue
        tier_ids = {t.pk for t in policy.tiers.all()}
        if tier_ids and ticket.customer.effective_tier_id not in tier_ids:
            continue
        category_ids = {c.pk for c in policy.categories.all()}
        if category_ids and ticket.category_id not in category_ids:
            continue
        if policy.entitlements and not kinds.intersection(policy.entitlements):
            continue
        return policy
    return None


def _seconds(minutes) -> int | None:
    return int(minutes * 60) if minutes else None


def targets_of(policy: SlaPolicy) -> dl.Targets:
    return dl.Targets(
        first_response_seconds=_seconds(policy.first_response_minutes),
        next_response_seconds=_seconds(policy.next_response_minutes),
        resolution_seconds=_seconds(policy.resolution_minutes),
        amber_percent=policy.amber_percent,
        manager_after_percent=policy.manager_after_percent,
    )


# --- entitlement: a contract's targets win over the tier's policy --------------------------------


def _entitle(sla: TicketSla, ticket: Ticket, now: datetime) -> None:
    """Store on the row what the ticket's unit is entitled to today: the kinds policies match
    on, and the strictest contract targets with the contract that sets the first response
    (or, lacking one, the resolution). Read again only when the ticket's unit changes, so the
    targets promised at creation hold while the ticket is open."""
    entitlement = unit_entitlement(ticket.unit, timezone.localdate(now))
    sla.entitlement_kinds = sorted(entitlement.kinds)
    first, resolution = entitlement.first_response_minutes, entitlement.resolution_minutes
    setter = next(
        (c for c in entitlement.contracts if c.plan.first_response_minutes == first and first),
        next((c for c in entitlement.contracts if c.plan.resolution_minutes), None),
    )
    sla.contract = setter
    sla.contract_first_response_minutes = first
    sla.contract_resolution_minutes = resolution


def _targets(sla: TicketSla, policy: SlaPolicy | None) -> dl.Targets | None:
    """The policy's targets with the ticket's override, else the contract's, in place of its
    first response and resolution; with no policy, those alone (no next-response target);
    None when nothing gives any."""
    first = _seconds(sla.target_first_response_minutes or sla.contract_first_response_minutes)
    resolution = _seconds(sla.target_resolution_minutes or sla.contract_resolution_minutes)
    if policy is None:
        if not (first or resolution):
            return None
        return dl.Targets(first, None, resolution)
    targets = targets_of(policy)
    return replace(
        targets,
        first_response_seconds=first or targets.first_response_seconds,
        resolution_seconds=resolution or targets.resolution_seconds,
    )


def _calendar(policy: SlaPolicy | None, policies: list[SlaPolicy]) -> Calendar | None:
    """The matched policy's calendar. A ticket no policy matches but a contract gives
    targets runs on the calendar of the tenant's first active policy (in order): the
    contract promises minutes, the tenant's hours say which minutes count. No active policy
    at all: no calendar, no SLA."""
    if policy is not None:
        return policy.calendar
    return policies[0].calendar if policies else None


# --- deriving the clock from the ticket ---------------------------------------------------------


def _should_pause(ticket: Ticket, policy: SlaPolicy | None) -> bool:
    if ticket.status == Status.PENDING:
        return True
    return ticket.status == Status.ON_HOLD and policy is not None and policy.pause_on_hold


def _sync_pause(
    sla: TicketSla,
    ticket: Ticket,
    policy: SlaPolicy | None,
    now: datetime,
    spans: list[PauseSpan] | None = None,
) -> None:
    """``spans``: the ticket's pause spans when the sweep batch loaded them (kept up to date)."""
    if spans is None:
        open_span = PauseSpan.objects.filter(ticket=ticket, ended_at__isnull=True).first()
    else:
        open_span = next((span for span in spans if span.ended_at is None), None)
    if _should_pause(ticket, policy) and open_span is None:
        span = PauseSpan.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, started_at=now)
        if spans is not None:
            spans.append(span)
        sla.paused_since = now
    elif not _should_pause(ticket, policy) and open_span is not None:
        open_span.ended_at = now
        open_span.save(update_fields=["ended_at"])
        sla.paused_seconds += int((now - open_span.started_at).total_seconds())
        sla.paused_since = None


def _sync_cycles(sla: TicketSla, ticket: Ticket, now: datetime) -> None:
    waiting = (
        ticket.first_responded_at is not None
        and ticket.last_customer_reply_at is not None
        and (
            ticket.last_agent_reply_at is None
            or ticket.last_customer_reply_at > ticket.last_agent_reply_at
        )
    )
    if waiting and sla.next_response_started_at is None:
        sla.next_response_started_at = ticket.last_customer_reply_at
        sla.next_response_cycle += 1
    elif not waiting:
        sla.next_response_started_at = None
    if ticket.reopened_count != sla.resolution_cycle:
        sla.resolution_cycle = ticket.reopened_count
        sla.resolution_started_at = now


def _clock(ticket: Ticket, sla: TicketSla, spans: list[PauseSpan] | None = None) -> dl.Clock:
    if spans is None:
        closed = PauseSpan.objects.filter(ticket=ticket, ended_at__isnull=False)
    else:
        closed = [span for span in spans if span.ended_at is not None]
    done_at = ticket.resolved_at or ticket.closed_at
    return dl.Clock(
        created_at=ticket.created_at,
        first_responded_at=ticket.first_responded_at,
        resolution_started_at=sla.resolution_started_at,
        resolved_at=done_at if ticket.status in (Status.RESOLVED, Status.CLOSED) else None,
        next_response_started_at=sla.next_response_started_at,
        paused_since=sla.paused_since,
        pauses=tuple((s.started_at, s.ended_at) for s in closed),
    )


def _cycle(sla: TicketSla, target: str) -> int:
    if target == dl.NEXT_RESPONSE:
        return sla.next_response_cycle
    if target == dl.RESOLUTION:
        return sla.resolution_cycle
    return 0


# --- a sweep batch: read once, write in bulk -----------------------------------------------------


@dataclass
class SweepBatch:
    """What a batch of claimed SLA rows reads once instead of once per ticket (policies of
    every tenant in it, pause spans, recorded checkpoints, managers), and the audit events and
    notifications its refreshes queue, written by ``flush`` in the batch's own transaction.

    Precondition of ``load`` and ``flush``: scopes disabled (a batch spans tenants); each row
    read or written carries its tenant id, and each ticket is then refreshed in its own scope.
    """

    policies: dict[int, list[SlaPolicy]]
    pauses: defaultdict[int, list[PauseSpan]]
    recorded: defaultdict[int, set[tuple]]
    managers: defaultdict[int, list[Membership]]
    webhook_tenants: set[int]  # tenants with an active webhook subscription
    events: list[TicketEvent] = field(default_factory=list)
    notices: list[tuple[Membership, str, str]] = field(default_factory=list)
    slas: list[TicketSla] = field(default_factory=list)

    @classmethod
    def load(cls, rows: list[TicketSla]) -> "SweepBatch":
        tenant_ids = {row.tenant_id for row in rows}
        ticket_ids = [row.ticket_id for row in rows]
        policies: dict[int, list[SlaPolicy]] = defaultdict(list)
        for policy in _active_policies_query().filter(tenant_id__in=tenant_ids):
            policies[policy.tenant_id].append(policy)
        pauses = defaultdict(list)
        for span in PauseSpan.objects.filter(ticket_id__in=ticket_ids).order_by("started_at"):
            pauses[span.ticket_id].append(span)
        recorded = defaultdict(set)
        keys = Escalation.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "target", "cycle", "level"
        )
        for ticket_id, target, cycle, level in keys:
            recorded[ticket_id].add((target, cycle, level))
        managers = defaultdict(list)
        for member in tenant_managers().filter(tenant_id__in=tenant_ids):
            managers[member.tenant_id].append(member)
        subscribed = WebhookSubscription.objects.filter(tenant_id__in=tenant_ids, is_active=True)
        webhook_tenants = set(subscribed.values_list("tenant_id", flat=True))
        return cls(dict(policies), pauses, recorded, managers, webhook_tenants)

    def flush(self) -> None:
        _save_slas(self.slas)
        audit_flush(self.events)
        notify_many(self.notices)
        self.events, self.notices, self.slas = [], [], []


# Everything a refresh may change on the SLA row (all of it but the ids).
SLA_STATE_FIELDS = [
    f
    for f in TicketSla._meta.concrete_fields
    if not f.primary_key and f.name not in ("tenant", "ticket")
]


def _save_slas(slas: list[TicketSla]) -> None:
    """``save()`` of many rows as one statement run for each (``executemany``: pipelined on
    psycopg). ``bulk_update`` builds a CASE per field and row, which costs more Python than
    the per-row saves it replaces."""
    if not slas:
        return
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in SLA_STATE_FIELDS)
    sql = f"UPDATE {qn(TicketSla._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608 - our own table and columns  # nosec B608
    params = [
        [f.get_db_prep_save(getattr(sla, f.attname), connection) for f in SLA_STATE_FIELDS]
        + [sla.pk]
        for sla in slas
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- the entry point -----------------------------------------------------------------------------


def sla_refresh(
    *,
    ticket: Ticket,
    now: datetime | None = None,
    policies: list[SlaPolicy] | None = None,
    sla: TicketSla | None = None,
    batch: SweepBatch | None = None,
    recheck_entitlement: bool = False,
) -> TicketSla:
    """Bring the ticket's SLA row up to date and record passed checkpoints once.

    ``recheck_entitlement``: the ticket's unit changed, so read its warranty and contracts
    again (otherwise the row keeps what they were when the ticket was created).

    Precondition: the ticket's tenant scope is active. Takes the row lock on PostgreSQL. The
    sweeper passes the row it claimed (already locked, in this transaction) as ``sla`` and its
    ``batch``; the refresh then runs in the batch's transaction, reads what the batch loaded
    and leaves the events and notifications to ``batch.flush()`` before the commit.
    """
    with transaction.atomic(savepoint=batch is None):
        return _refresh(
            ticket, now or timezone.now(), policies, sla, batch, recheck=recheck_entitlement
        )


def sla_start(*, ticket: Ticket, now: datetime | None = None) -> TicketSla:
    """``sla_refresh`` for a ticket created in this transaction.

    Nothing of its SLA exists yet: no row, no pause span, no recorded checkpoint. So none of
    them is read: the row is computed in memory and written with one INSERT, where
    ``sla_refresh`` needs a locking read (or a ``get_or_create``), two reads of the pause spans,
    one of the checkpoints and an UPDATE. No other transaction sees the new ticket before the
    commit, and an error rolls the creation back whole, so neither a lock nor a savepoint of
    its own is needed. Precondition: inside the transaction that created ``ticket``; its tenant
    scope is active.
    """
    sla = TicketSla(
        tenant_id=ticket.tenant_id, ticket=ticket, resolution_started_at=ticket.created_at
    )
    return _refresh(ticket, now or timezone.now(), None, sla, None, known=([], set()))


def _refresh(
    ticket: Ticket,
    now: datetime,
    policies: list[SlaPolicy] | None,
    sla: TicketSla | None,
    batch: SweepBatch | None,
    known: tuple[list[PauseSpan], set[tuple]] | None = None,
    recheck: bool = False,
) -> TicketSla:
    """``known``: the ticket's pause spans and recorded checkpoints when the caller has them
    (a sweep batch loaded them; a new ticket has none); read here otherwise. The entitlement
    comes from the row (the sweep reads nothing more for it), worked out only for a new row,
    a row from before entitlements were stored, or when ``recheck`` says the unit changed."""
    sla = sla if sla is not None else _locked_sla(ticket)
    if batch is not None:
        policies = batch.policies.get(ticket.tenant_id, [])
        known = (batch.pauses[ticket.pk], batch.recorded[ticket.pk])
    policies = active_policies() if policies is None else policies
    spans, recorded = known if known is not None else (None, None)
    if recheck or sla.entitlement_kinds is None:
        _entitle(sla, ticket, now)
    policy = policy_for(ticket, policies, frozenset(sla.entitlement_kinds))
    sla.policy = policy
    _sync_pause(sla, ticket, policy, now, spans)
    _sync_cycles(sla, ticket, now)
    targets, calendar = _targets(sla, policy), _calendar(policy, policies)
    if targets is None or calendar is None:
        _store(sla, None, now, set(), batch)
        return sla
    clock = _clock(ticket, sla, spans)
    computed = dl.compute(targets, schedule_for(calendar), clock)
    if recorded is None:
        recorded = set(
            Escalation.objects.filter(ticket=ticket).values_list("target", "cycle", "level")
        )
    for checkpoint in computed.checkpoints:
        key = (checkpoint.target, _cycle(sla, checkpoint.target), checkpoint.level)
        if (
            checkpoint.at <= now
            and key not in recorded
            and _record(ticket, sla, checkpoint, key, batch)
        ):
            recorded.add(key)
    _store(sla, computed, now, recorded, batch)
    return sla


@transaction.atomic
def sla_target_override(
    *,
    ticket: Ticket,
    first_response_minutes: int | None = None,
    resolution_minutes: int | None = None,
    now: datetime | None = None,
) -> TicketSla:
    """Give this ticket its own first-response and/or resolution target (None: keep what it
    has), then refresh its due times, audited on the ticket. Precondition: the ticket's tenant
    scope is active; takes the SLA row's lock."""
    sla = _locked_sla(ticket)
    old = (sla.target_first_response_minutes, sla.target_resolution_minutes)
    if first_response_minutes is not None:
        sla.target_first_response_minutes = first_response_minutes
    if resolution_minutes is not None:
        sla.target_resolution_minutes = resolution_minutes
    new = (sla.target_first_response_minutes, sla.target_resolution_minutes)
    if new != old:
        audit_record(
            tenant=ticket.tenant_id,
            actor=None,
            action="sla_target",
            target=ticket,
            data={"first_response_minutes": new[0], "resolution_minutes": new[1]},
        )
    return _refresh(ticket, now or timezone.now(), None, sla, None)


def _locked_sla(ticket: Ticket) -> TicketSla:
    sla = TicketSla.objects.select_for_update().filter(ticket=ticket).first()
    if sla is None:
        sla, _created = TicketSla.objects.get_or_create(
            ticket=ticket,
            defaults={"tenant_id": ticket.tenant_id, "resolution_started_at": ticket.created_at},
        )
    return sla


def _store(
    sla: TicketSla,
    computed: dl.Deadlines | None,
    now: datetime,
    recorded: set,
    batch: SweepBatch | None = None,
) -> None:
    if computed is None:
        sla.colour, sla.next_check_at, sla.next_deadline_at = Colour.NONE, None, None
    else:
        if computed.first_response_due_at or not computed.done:
            # Keep the last known due time once met, so pages can show "met at … (due …)".
            sla.first_response_due_at = computed.first_response_due_at or sla.first_response_due_at
        sla.next_response_due_at = computed.next_response_due_at
        sla.resolution_due_at = computed.resolution_due_at or sla.resolution_due_at
        breached = any(level == Level.BREACH for _t, _c, level in recorded)
        sla.colour = computed.colour(now, breached_before=breached)
        sla.next_deadline_at = computed.next_deadline_at
        pending = [
            cp.at
            for cp in computed.checkpoints
            if (cp.target, _cycle(sla, cp.target), cp.level) not in recorded
        ]
        sla.next_check_at = min(pending) if pending else None
    sla.updated_at = now
    if batch is None:
        sla.save()
    else:
        batch.slas.append(sla)  # one UPDATE for the batch, in its transaction


def _record(
    ticket: Ticket,
    sla: TicketSla,
    checkpoint: dl.Checkpoint,
    key: tuple,
    batch: SweepBatch | None = None,
) -> bool:
    """Insert the escalation row; False if another sweeper already did (unique constraint)."""
    target, cycle, level = key
    if not _insert_escalation(ticket, key, checkpoint.at):
        return False
    if level == Level.BREACH:
        setattr(sla, f"{target}_breached_at", checkpoint.at)
        sla.is_escalated = True
    audit_record(
        tenant=ticket.tenant_id,
        actor="SLA",
        action="sla_" + level,
        target=ticket,
        field=target,
        data={"due_at": checkpoint.at.isoformat(), "cycle": cycle},
        webhooks=batch is None or ticket.tenant_id in batch.webhook_tenants,
        defer=None if batch is None else batch.events,
    )
    events.sla_checkpoint_passed.send(
        sender=Ticket, ticket=ticket, target=target, level=level, due_at=checkpoint.at
    )
    managers = None if batch is None else batch.managers[ticket.tenant_id]
    for recipient in _recipients(ticket, level, managers):
        text = _notice_text(ticket, target, level, recipient)
        url = f"/tickets/{ticket.number}/"
        if batch is None:
            notify(recipient=recipient, text=text, url=url)
        else:
            batch.notices.append((recipient, text, url))
    return True


def _insert_escalation(
    ticket: Ticket, key: tuple, due_at: datetime | None, reason: str = ""
) -> bool:
    """One statement, no savepoint: True if the row was inserted, False if the unique
    (ticket, target, cycle, level) row was there already (another sweeper, a redo)."""
    target, cycle, level = key
    ops = connection.ops
    sql = (
        f"INSERT INTO {ops.quote_name(Escalation._meta.db_table)}"  # noqa: S608 - our own table  # nosec B608
        " (tenant_id, ticket_id, target, cycle, level, reason, due_at, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
    )
    params = [ticket.tenant_id, ticket.pk, target, cycle, level, reason]
    params += [ops.adapt_datetimefield_value(due_at), ops.adapt_datetimefield_value(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _recipients(
    ticket: Ticket, level: str, managers: list[Membership] | None = None
) -> list[Membership]:
    """Amber → the assignee; red → the team lead; still unmet later → the managers.
    Whoever is missing on a rung is replaced by the next rung up; the managers are read only
    when they are the rung reached. ``managers``: the tenant's, when the sweep batch loaded
    them."""
    if level == Level.WARNING and ticket.assignee_id:
        return [ticket.assignee]
    if level in (Level.WARNING, Level.BREACH) and ticket.team_id and ticket.team.lead_id:
        return [ticket.team.lead]
    return list(tenant_managers() if managers is None else managers)


def _notice_text(ticket: Ticket, target: str, level: str, recipient: Membership) -> str:
    from .models import Target

    with override(recipient.user.language or ticket.tenant.default_language):
        texts = {
            Level.WARNING: _("SLA warning: %(target)s of ticket #%(number)s is due soon."),
            Level.BREACH: _("SLA breached: %(target)s of ticket #%(number)s is overdue."),
            Level.MANAGER: _("SLA escalation: %(target)s of ticket #%(number)s is still overdue."),
        }
        return texts[level] % {"target": Target(target).label, "number": ticket.number}


# --- rule-based escalation on creation (seed 004) -------------------------------------------------


def _mark_loaded_sla_escalated(ticket: Ticket) -> None:
    """Keep a ticket's SLA row already in memory (a new ticket's, which the API answers from)
    in step with the UPDATE, without loading it when it is not."""
    relation = Ticket._meta.get_field("sla")
    if relation.is_cached(ticket) and relation.get_cached_value(ticket) is not None:
        relation.get_cached_value(ticket).is_escalated = True


def escalation_record_rule(*, ticket: Ticket, reasons: list[str]) -> bool:
    """Record an escalation by a tenant's rule (a trigger's "escalate": a repeat complaint, a
    VIP, angry wording…) once per ticket, with its reasons, and notify the team lead (or the
    managers). False when the ticket was escalated by a rule already. Precondition: in a
    transaction, scope active."""
    if not reasons:
        return False
    key = (dl.FIRST_RESPONSE, 0, Level.RULE)
    if not _insert_escalation(ticket, key, None, reason="; ".join(reasons)[:200]):
        return False
    audit_record(
        tenant=ticket.tenant_id,
        actor="SLA",
        action="escalated",
        target=ticket,
        data={"reasons": reasons},
    )
    TicketSla.objects.filter(ticket=ticket).update(is_escalated=True)
    _mark_loaded_sla_escalated(ticket)
    notices = []
    for recipient in _recipients(ticket, Level.BREACH):
        with override(recipient.user.language or ticket.tenant.default_language):
            text = _("Ticket #%(number)s escalated: %(reasons)s") % {
                "number": ticket.number,
                "reasons": "; ".join(reasons),
            }
        notices.append((recipient, text, f"/tickets/{ticket.number}/"))
    notify_many(notices)
    return True


def sla_recompute_open(*, tenant, batch_size: int = 500) -> int:
    """Refresh the SLA of every active ticket (after a policy or calendar change)."""
    count = 0
    ids = Ticket.objects.filter(status__in=ACTIVE_STATUSES).values_list("pk", flat=True)
    for pk in ids.iterator(chunk_size=batch_size):
        ticket = Ticket.objects.select_related(
            "customer__tier", "customer__organization__tier", "category", "team"
        ).get(pk=pk)
        sla_refresh(ticket=ticket)
        count += 1
    return count


def calendar_load_holidays(*, calendar: Calendar, country: str, years: list[int]) -> int:
    """Add a country's public holidays (``holidays`` package); returns how many were new."""
    import holidays as holiday_data

    from .models import Holiday

    try:
        days = holiday_data.country_holidays(country.upper(), years=years)
    except NotImplementedError as error:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"country": _("Unknown country code %(code)s.") % {"code": country}}
        ) from error
    added = 0
    for day, name in sorted(days.items()):
        _holiday, created = Holiday.objects.get_or_create(
            tenant_id=calendar.tenant_id, calendar=calendar, date=day, defaults={"name": name[:100]}
        )
        added += created
    return added


def sla_settings_changed(*, tenant) -> None:
    """A policy or calendar changed: recompute open tickets in the background, after commit."""
    _schedule.cache_clear()
    enqueue_on_commit("sla.tasks.recompute_open_tickets", tenant_id=tenant.pk)


# --- settings: each write is one transaction and one audit record per change -------------------


@transaction.atomic
def sla_policy_save(*, tenant: Tenant, actor: Membership, policy: SlaPolicy, values: dict):
    """Create or change a policy (``values``: validated editable fields), then recompute."""
    audit_save(tenant=tenant, actor=actor, instance=policy, values=values)
    sla_settings_changed(tenant=tenant)
    return policy


@transaction.atomic
def calendar_save(*, tenant: Tenant, actor: Membership, calendar: Calendar, values: dict):
    """Create or change a calendar (name, time zone, 24×7, opening hours), then recompute."""
    audit_save(tenant=tenant, actor=actor, instance=calendar, values=values)
    sla_settings_changed(tenant=tenant)
    return calendar


@transaction.atomic
def holiday_add(*, tenant: Tenant, actor: Membership, calendar: Calendar, date, name: str):
    """Add a holiday to the calendar; None if the date is one already."""
    from .models import Holiday

    if calendar.holidays.filter(date=date).exists():
        return None
    holiday = Holiday(tenant=tenant, calendar=calendar)
    audit_save(tenant=tenant, actor=actor, instance=holiday, values={"date": date, "name": name})
    sla_settings_changed(tenant=tenant)
    return holiday


@transaction.atomic
def holiday_delete(*, tenant: Tenant, actor: Membership, calendar: Calendar, pk: int) -> bool:
    holiday = calendar.holidays.filter(pk=pk).first()
    if holiday is None:
        return False
    audit_delete(tenant=tenant, actor=actor, instance=holiday)
    sla_settings_changed(tenant=tenant)
    return True


@transaction.atomic
def holidays_load(
    *, tenant: Tenant, actor: Membership, calendar: Calendar, country: str, years: list[int]
) -> int:
    """Add a country's public holidays; one audit record for the batch."""
    added = calendar_load_holidays(calendar=calendar, country=country, years=years)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="holidays_loaded",
        target=calendar,
        data={"country": country.upper(), "years": years, "added": added},
    )
    sla_settings_changed(tenant=tenant)
    return added


@transaction.atomic
def escalation_rules_save(*, tenant: Tenant, actor: Membership, values: dict):
    """Change the rules that escalate a ticket on creation (repeat complaint, VIP, wording)."""
    from .rules import rules_for

    rules = rules_for(tenant.pk)
    return audit_save(tenant=tenant, actor=actor, instance=rules, values=values)
