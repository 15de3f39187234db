"""Every write of the SLA engine.

``sla_refresh`` is the one entry point: ticket services call it after each change and the
sweeper calls it when a checkpoint comes due. It derives the clock from the ticket's state
(pauses, customer waiting, reopen), computes deadlines with the pure ``sla.deadlines``,
records every checkpoint that has passed exactly once (unique row, inserted in a savepoint)
and queues the notifications for after the commit.
"""

import logging
from datetime import datetime
from functools import lru_cache

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from helpdesk.models import Membership, Role
from helpdesk.notifications import notify
from tickets.models import Status, Ticket, TicketEvent

from . import deadlines as dl
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
    return list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("tiers", "categories", "calendar__holidays")
    )


def policy_for(ticket: Ticket, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """First active policy, in order, whose priority / tier / category conditions all match.

    ``policies`` lets a sweep batch load them once per tenant instead of once per ticket.
    """
    for policy in active_policies() if policies is None else policies:
        if policy.priorities and ticket.priority not in policy.priorities:
            continue
        tier_ids = {t.pk for t in policy.tiers.all()}
        if tier_ids and ticket.customer.effective_tier_id not in tier_ids:
            continue
        category_ids = {c.pk for c in policy.categories.all()}
        if category_ids and ticket.category_id not in category_ids:
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


# --- deriving the clock from the ticket ---------------------------------------------------------


def _should_pause(ticket: Ticket, policy: SlaPolicy | None) -> bool:
    if ticket.status == Status.PENDING:
        return True
    return ticket.status == Status.ON_HOLD and policy is not None and policy.pause_on_hold


def _sync_pause(sla: TicketSla, ticket: Ticket, policy: SlaPolicy | None, now: datetime) -> None:
    open_span = PauseSpan.objects.filter(ticket=ticket, ended_at__isnull=True).first()
    if _should_pause(ticket, policy) and open_span is None:
        PauseSpan.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, started_at=now)
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


def _clock(ticket: Ticket, sla: TicketSla) -> dl.Clock:
    spans = PauseSpan.objects.filter(ticket=ticket, ended_at__isnull=False)
    done_at = ticket.resolved_at or ticket.closed_at
    return dl.Clock(
        created_at=ticket.created_at,
        first_responded_at=ticket.first_responded_at,
        resolution_started_at=sla.resolution_started_at,
        resolved_at=done_at if ticket.status in (Status.RESOLVED, Status.CLOSED) else None,
        next_response_started_at=sla.next_response_started_at,
        paused_since=sla.paused_since,
        pauses=tuple((s.started_at, s.ended_at) for s in spans),
    )


def _cycle(sla: TicketSla, target: str) -> int:
    if target == dl.NEXT_RESPONSE:
        return sla.next_response_cycle
    if target == dl.RESOLUTION:
        return sla.resolution_cycle
    return 0


# --- the entry point -----------------------------------------------------------------------------


@transaction.atomic
def sla_refresh(
    *, ticket: Ticket, now: datetime | None = None, policies: list[SlaPolicy] | None = None
) -> TicketSla:
    """Bring the ticket's SLA row up to date and record passed checkpoints once.

    Precondition: the ticket's tenant scope is active. Takes the row lock on PostgreSQL.
    """
    now = now or timezone.now()
    sla = _locked_sla(ticket)
    policy = policy_for(ticket, policies)
    sla.policy = policy
    _sync_pause(sla, ticket, policy, now)
    _sync_cycles(sla, ticket, now)
    if policy is None:
        _store(sla, None, now, recorded=set())
        return sla
    computed = dl.compute(targets_of(policy), schedule_for(policy.calendar), _clock(ticket, sla))
    recorded = set(Escalation.objects.filter(ticket=ticket).values_list("target", "cycle", "level"))
    for checkpoint in computed.checkpoints:
        key = (checkpoint.target, _cycle(sla, checkpoint.target), checkpoint.level)
        if checkpoint.at <= now and key not in recorded and _record(ticket, sla, checkpoint, key):
            recorded.add(key)
    _store(sla, computed, now, recorded)
    return sla


def _locked_sla(ticket: Ticket) -> TicketSla:
    sla = TicketSla.objects.select_for_update().filter(ticket=ticket).first()
    if sla is None:
        sla, _created = TicketSla.objects.get_or_create(
            ticket=ticket,
            defaults={"tenant_id": ticket.tenant_id, "resolution_started_at": ticket.created_at},
        )
    return sla


def _store(sla: TicketSla, computed: dl.Deadlines | None, now: datetime, recorded: set) -> None:
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
    sla.save()


def _record(ticket: Ticket, sla: TicketSla, checkpoint: dl.Checkpoint, key: tuple) -> bool:
    """Insert the escalation row; False if another sweeper already did (unique constraint)."""
    target, cycle, level = key
    try:
        with transaction.atomic():
            Escalation.objects.create(
                tenant_id=ticket.tenant_id,
                ticket=ticket,
                target=target,
                cycle=cycle,
                level=level,
                due_at=checkpoint.at,
            )
    except IntegrityError:
        return False
    if level == Level.BREACH:
        setattr(sla, f"{target}_breached_at", checkpoint.at)
        sla.is_escalated = True
    TicketEvent.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        actor_label="SLA",
        action="sla_" + level,
        field=target,
        data={"due_at": checkpoint.at.isoformat(), "cycle": cycle},
    )
    for recipient in _recipients(ticket, level):
        notify(
            recipient=recipient,
            text=_notice_text(ticket, target, level, recipient),
            url=f"/tickets/{ticket.number}/",
        )
    return True


def _recipients(ticket: Ticket, level: str) -> list[Membership]:
    """Amber → the assignee; red → the team lead; still unmet later → the managers.
    Whoever is missing on a rung is replaced by the next rung up."""
    lead = ticket.team.lead if ticket.team_id and ticket.team.lead_id else None
    managers = list(Membership.objects.filter(role=Role.MANAGER, is_active=True))
    if level == Level.WARNING:
        chosen = [ticket.assignee] if ticket.assignee_id else [lead] if lead else managers
    elif level == Level.BREACH:
        chosen = [lead] if lead else managers
    else:
        chosen = managers
    return [member for member in chosen if member is not None]


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


def escalation_record_rule(*, ticket: Ticket, reasons: list[str]) -> bool:
    """Record a rule escalation (repeat complaint, VIP, angry wording) once, with its reasons,
    and notify the team lead (or the managers). Precondition: in a transaction, scope active."""
    if not reasons:
        return False
    try:
        with transaction.atomic():
            Escalation.objects.create(
                tenant_id=ticket.tenant_id,
                ticket=ticket,
                target=dl.FIRST_RESPONSE,
                cycle=0,
                level=Level.RULE,
                reason="; ".join(reasons)[:200],
            )
    except IntegrityError:
        return False
    TicketEvent.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        actor_label="SLA",
        action="escalated",
        data={"reasons": reasons},
    )
    TicketSla.objects.filter(ticket=ticket).update(is_escalated=True)
    for recipient in _recipients(ticket, Level.BREACH):
        with override(recipient.user.language or ticket.tenant.default_language):
            text = _("Ticket #%(number)s escalated: %(reasons)s") % {
                "number": ticket.number,
                "reasons": "; ".join(reasons),
            }
        notify(recipient=recipient, text=text, url=f"/tickets/{ticket.number}/")
    return True


def sla_recompute_open(*, tenant, batch_size: int = 500) -> int:
    """Refresh the SLA of every active ticket (after a policy or calendar change)."""
    from tickets.models import ACTIVE_STATUSES

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
    from .tasks import recompute_open_tickets

    _schedule.cache_clear()
    transaction.on_commit(lambda: recompute_open_tickets.delay(tenant_id=tenant.pk))
