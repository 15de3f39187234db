"""Every write on tickets. Each public function is one transaction and records its events.

Preconditions for all of them: the ticket's tenant scope is active, and the caller has checked
that ``actor`` may touch the ticket (``tickets.selectors.ticket_get_for_member``).
"""

import errno
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from helpdesk.audit import audit_record
from helpdesk.models import Membership, Team, Tenant
from helpdesk.notifications import notify
from helpdesk.webhooks import webhook_subscriptions_read_once
from products.models import Unit
from tickets import events, routing
from tickets.attachments import content_type_for, validate_upload
from tickets.models import (
    Attachment,
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketCounter,
    TicketEvent,
)

# The one table of allowed status changes. Reopening is resolved → open.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class TransitionError(ValidationError):
    """A status change the lifecycle does not allow."""


def _label_or_none(member: Membership | None) -> str:
    return "" if member is None else str(member.user)


def _event(
    ticket: Ticket,
    actor: Membership | None,
    action: str,
    *,
    field: str = "",
    old: object = "",
    new: object = "",
    data: dict | None = None,
) -> TicketEvent:
    return audit_record(
        tenant=ticket.tenant_id,
        actor=actor,
        action=action,
        target=ticket,
        field=field,
        old=old,
        new=new,
        data=data,
    )


def _changed(ticket: Ticket, actor: Membership | None, field: str, old, new) -> None:
    events.ticket_changed.send(
        sender=Ticket, ticket=ticket, actor=actor, field=field, old=old, new=new
    )


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _next_number(tenant: Tenant) -> int:
    """Precondition: in a transaction. The counter row stays locked until it commits.

    One ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35); the tenant's first ticket creates
    the row, and a concurrent first creation is caught by the primary key and retried.
    """
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        TicketCounter.objects.get_or_create(tenant=tenant)
        TicketCounter.objects.filter(tenant=tenant).update(last_number=F("last_number") + 1)
        return TicketCounter.objects.get(tenant=tenant).last_number
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    sql = f"UPDATE {table} SET last_number = last_number + 1 WHERE tenant_id = %s RETURNING last_number"  # noqa: S608,E501 - our own table name  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    try:
        with transaction.atomic():
            TicketCounter.objects.create(tenant=tenant, last_number=1)
    except IntegrityError:
        return _next_number(tenant)
    return 1


# --- creation ----------------------------------------------------------------------------------


def ticket_create(
    *,
    tenant: Tenant,
    customer: Customer,
    subject: str,
    description: str = "",
    channel: str = Channel.WEB,
    priority: str = Priority.NORMAL,
    category: Category | None = None,
    actor: Membership | None = None,
    unit: Unit | None = None,
    product_model: str = "",
    fault_symptom: str = "",
    tags: list[str] | None = None,
    caller: str = "",
    call_started_at: datetime | None = None,
    call_duration_seconds: int | None = None,
    attachments: list[UploadedFile] | None = None,
    created_at: datetime | None = None,
) -> Ticket:
    """The one way to create a ticket: numbered, routed, audited.

    One transaction. Inside a caller's it takes no savepoint of its own, which saves two
    statements on every creation: the uploads are checked before it begins, and an error
    after that fails the caller's transaction too (every caller lets it roll back).
    """
    for upload in attachments or []:
        validate_upload(upload)
    # The webhook subscribers are read once for all its events (created, assigned, escalated).
    with transaction.atomic(savepoint=False), webhook_subscriptions_read_once():
        now = created_at or timezone.now()
        ticket = Ticket.objects.create(
            tenant=tenant,
            number=_next_number(tenant),
            customer=customer,
            subject=subject.strip(),
            description=description,
            channel=channel,
            priority=priority,
            category=category,
            unit=unit,
            # The unit's model when the request names none (reports group by this text).
            product_model=product_model or (unit.product.model_code if unit else ""),
            fault_symptom=fault_symptom,
            caller=caller,
            call_started_at=call_started_at,
            call_duration_seconds=call_duration_seconds,
            created_at=now,
            updated_at=now,
        )
        _event(ticket, actor, "created", data={"channel": channel, "priority": priority})
        if tags:
            ticket.tags.add(*_tags_named(tenant.pk, tags))  # a new ticket has none to replace
        if attachments:
            message = Message.objects.create(
                tenant=tenant,
                ticket=ticket,
                kind=MessageKind.PUBLIC,
                author_member=actor,
                author_customer=None if actor else customer,
                body=_("Attachments sent with the request."),
                is_system=True,
                created_at=now,
            )
            _store_attachments(message, attachments)
        # The SLA row first, then the tenant's triggers (category routing, escalations),
        # then skill-and-load routing for a ticket they left unassigned.
        events.ticket_created.send(sender=Ticket, ticket=ticket, actor=actor)
        _route_new_ticket(ticket)
        return ticket


def _route_new_ticket(ticket: Ticket) -> None:
    """Skill-and-load routing within the ticket's team. A ticket already assigned when it is
    routed (by a tenant's trigger on ``ticket_created``: an escalation gives it to a senior)
    keeps its assignee."""
    if ticket.assignee_id is None:
        ticket_route(ticket=ticket)


def ticket_route(*, ticket: Ticket, senior_only: bool = False) -> Membership | None:
    """Give the ticket to the least-loaded qualified member of its team; ``senior_only`` (an
    escalation) to a certified one, else the team lead. Nobody qualifying leaves it as it is
    (the team's unassigned queue). Precondition: in the change's transaction."""
    assignee = routing.pick_assignee(ticket=ticket, senior_only=senior_only)
    if assignee is None and senior_only and ticket.team_id and ticket.team.lead_id:
        assignee = ticket.team.lead
    if assignee is not None:
        _assign(ticket, None, assignee, reason="escalation" if senior_only else "routing")
    return assignee


# --- thread --------------------------------------------------------------------------------------


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: Membership,
    body: str,
    internal: bool = False,
    attachments: list[UploadedFile] | None = None,
) -> Message:
    """An agent's public reply or internal note. A note changes nothing the customer sees."""
    message = _add_message(
        ticket,
        body,
        attachments,
        closed_error=_("This ticket is closed; open a new one instead."),
        kind=MessageKind.INTERNAL if internal else MessageKind.PUBLIC,
        author_member=actor,
    )
    now = message.created_at
    _event(ticket, actor, "note" if internal else "reply", data={"message": message.pk})
    if internal:
        _touch(ticket)
        return message
    fields = ["last_agent_reply_at"]
    ticket.last_agent_reply_at = now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        fields.append("first_responded_at")
    if ticket.status == Status.NEW:
        _set_status(ticket, actor, Status.OPEN)
        fields.append("status")
    _touch(ticket, *fields)
    events.ticket_agent_replied.send(sender=Ticket, ticket=ticket, actor=actor, message=message)
    return message


@transaction.atomic
def ticket_customer_reply(
    *, ticket: Ticket, customer: Customer, body: str, attachments: list[UploadedFile] | None = None
) -> Message:
    """The customer writes back: a pending or resolved ticket reopens (直至客户满意为止)."""
    message = _add_message(
        ticket,
        body,
        attachments,
        closed_error=_("This ticket is closed; please open a new request."),
        kind=MessageKind.PUBLIC,
        author_customer=customer,
    )
    now = message.created_at
    _event(ticket, None, "customer_reply", data={"message": message.pk})
    ticket.last_customer_reply_at = now
    fields = ["last_customer_reply_at"]
    reopened = ticket.status == Status.RESOLVED
    if ticket.status in (Status.PENDING, Status.RESOLVED):
        _set_status(ticket, None, Status.OPEN)
        fields += ["status", "resolved_at", "reopened_count"]
    _touch(ticket, *fields)
    events.ticket_customer_replied.send(
        sender=Ticket, ticket=ticket, message=message, reopened=reopened
    )
    if reopened:
        events.ticket_reopened.send(sender=Ticket, ticket=ticket, actor=None)
    return message


def _add_message(
    ticket: Ticket,
    body: str,
    attachments: list[UploadedFile] | None,
    *,
    closed_error: str,
    **author_and_kind,
) -> Message:
    """Check and store one message of the thread with its files (both reply services)."""
    if not body.strip():
        raise ValidationError({"body": _("Write a message first.")})
    if ticket.status == Status.CLOSED:
        raise TransitionError(closed_error)
    for upload in attachments or []:
        validate_upload(upload)
    message = Message.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        body=body,
        created_at=timezone.now(),
        **author_and_kind,
    )
    _store_attachments(message, attachments or [])
    return message


def _store_attachments(message: Message, uploads: list[UploadedFile]) -> None:
    """One INSERT for all of them; each file is stored as its row is written (``pre_save``).

    A full disk refuses the whole change (``ValidationError`` on ``attachments``; the caller's
    transaction rolls the message back and the form keeps the text): files already stored
    for it are removed, the storage removes its partial one."""
    rows = [
        Attachment(
            tenant_id=message.tenant_id,
            message=message,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type_for(upload.name),
            size_bytes=upload.size,
        )
        for upload in uploads
    ]
    try:
        Attachment.objects.bulk_create(rows)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        for row in rows:
            if row.file._committed and row.file.name:
                row.file.storage.delete(row.file.name)
        text = _(
            "The server has no room to store the attachments; nothing was saved. "
            "Please try again later, or send the text without them."
        )
        raise ValidationError({"attachments": text}) from None


# --- status --------------------------------------------------------------------------------------


def _set_status(ticket: Ticket, actor: Membership | None, new: str) -> None:
    """Apply one allowed transition and its timestamps; the caller saves."""
    old = ticket.status
    if new == old:
        return
    if new not in TRANSITIONS[old]:
        raise TransitionError(
            _("A ticket cannot go from %(old)s to %(new)s.")
            % {"old": Status(old).label, "new": Status(new).label}
        )
    now = timezone.now()
    ticket.status = new
    if new == Status.RESOLVED:
        ticket.resolved_at = now
    elif new == Status.CLOSED:
        ticket.closed_at = now
    elif old == Status.RESOLVED:
        ticket.resolved_at = None
        ticket.reopened_count += 1
    _event(
        ticket,
        actor,
        "reopened" if old == Status.RESOLVED else "status",
        field="status",
        old=old,
        new=new,
    )


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor: Membership | None, status: str) -> Ticket:
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    was = ticket.status
    _set_status(ticket, actor, status)
    _touch(ticket, "status", "resolved_at", "closed_at", "reopened_count")
    _status_events(ticket, actor, was)
    return ticket


def _status_events(ticket: Ticket, actor: Membership | None, was: str) -> None:
    """The events of an explicit status change from ``was`` to the ticket's status now."""
    new = ticket.status
    events.ticket_status_changed.send(sender=Ticket, ticket=ticket, actor=actor, old=was, new=new)
    if new == Status.RESOLVED and was != new:
        events.ticket_resolved.send(sender=Ticket, ticket=ticket, actor=actor)
    elif was == Status.RESOLVED and new == Status.OPEN:
        events.ticket_reopened.send(sender=Ticket, ticket=ticket, actor=actor)


def ticket_reopen(*, ticket: Ticket, actor: Membership | None) -> Ticket:
    return ticket_change_status(ticket=ticket, actor=actor, status=Status.OPEN)


def tickets_close_resolved(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Close resolved tickets older than the tenant's grace period. Idempotent; returns count.

    Each ticket is claimed with a conditional UPDATE (status still resolved), so two sweepers
    running at once close each ticket once and record one event.
    """
    cutoff = (now or timezone.now()) - timedelta(days=tenant.auto_close_after_days)
    due = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)
    closed = 0
    for pk in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=pk, status=Status.RESOLVED).update(
                status=Status.CLOSED, closed_at=timezone.now(), updated_at=timezone.now()
            )
            if claimed:
                ticket = Ticket.objects.get(pk=pk)
                _event(
                    ticket,
                    None,
                    "status",
                    field="status",
                    old=Status.RESOLVED,
                    new=Status.CLOSED,
                    data={"reason": "auto_close"},
                )
                _status_events(ticket, None, Status.RESOLVED)
                closed += 1
    return closed


# --- fields --------------------------------------------------------------------------------------


@transaction.atomic
def ticket_change_priority(*, ticket: Ticket, actor: Membership, priority: str) -> Ticket:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    if priority != ticket.priority:
        _event(ticket, actor, "changed", field="priority", old=ticket.priority, new=priority)
        old = ticket.priority
        ticket.priority = priority
        _touch(ticket, "priority")
        _changed(ticket, actor, "priority", old, priority)
    return ticket


@transaction.atomic
def ticket_change_category(
    *, ticket: Ticket, actor: Membership, category: Category | None
) -> Ticket:
    if category != ticket.category:
        _event(ticket, actor, "changed", field="category", old=ticket.category, new=category)
        old = ticket.category
        ticket.category = category
        _touch(ticket, "category")
        _changed(ticket, actor, "category", old, category)
    return ticket


@transaction.atomic
def ticket_change_unit(*, ticket: Ticket, actor: Membership, unit: Unit | None) -> Ticket:
    """Name the unit the ticket is about (or none), once it is known after intake. Audited
    with both serials; the ``ticket_changed`` event lets the SLA read the new unit's warranty
    and contracts. A closed ticket keeps its unit: its history is settled."""
    if unit == ticket.unit:
        return ticket
    if ticket.status == Status.CLOSED:
        raise ValidationError({"unit": _("A closed ticket keeps the unit it was about.")})
    old = ticket.unit
    _event(
        ticket,
        actor,
        "changed",
        field="unit",
        old=old.serial if old else "",
        new=unit.serial if unit else "",
    )
    ticket.unit = unit
    _touch(ticket, "unit")
    _changed(ticket, actor, "unit", old, unit)
    return ticket


def _assign(
    ticket: Ticket, actor: Membership | None, assignee: Membership | None, *, reason: str
) -> None:
    if assignee == ticket.assignee:
        return
    _event(
        ticket,
        actor,
        "assigned",
        field="assignee",
        old=_label_or_none(ticket.assignee),
        new=_label_or_none(assignee),
        data={"reason": reason, "assignee": assignee.pk if assignee else None},
    )
    old = ticket.assignee
    ticket.assignee = assignee
    _touch(ticket, "assignee")
    _changed(ticket, actor, "assignee", old, assignee)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: Membership, assignee: Membership | None) -> Ticket:
    """Manual assignment (人工干预); taking a ticket is assigning it to oneself."""
    if assignee is not None and assignee.tenant_id != ticket.tenant_id:
        raise ValidationError({"assignee": _("Unknown agent.")})
    _assign(ticket, actor, assignee, reason="take" if assignee == actor else "manual")
    return ticket


@transaction.atomic
def ticket_change_team(*, ticket: Ticket, actor: Membership, team: Team | None) -> Ticket:
    if team != ticket.team:
        _event(ticket, actor, "changed", field="team", old=ticket.team, new=team)
        old = ticket.team
        ticket.team = team
        _touch(ticket, "team")
        _changed(ticket, actor, "team", old, team)
    return ticket


def _set_tags(ticket: Ticket, names: list[str]) -> None:
    ticket.tags.set(_tags_named(ticket.tenant_id, names))


def _tags_named(tenant_id: int, names: list[str]) -> list[Tag]:
    """The tenant's tags of these names (trimmed, in name order), the missing ones created:
    one query when all exist, three otherwise, whatever their number. A tag that a concurrent
    request creates first is skipped by the INSERT and read back."""
    clean = sorted({name.strip()[:50] for name in names if name.strip()})
    found = {tag.name: tag for tag in Tag.objects.filter(tenant_id=tenant_id, name__in=clean)}
    missing = [name for name in clean if name not in found]
    if missing:
        Tag.objects.bulk_create(
            [Tag(tenant_id=tenant_id, name=name) for name in missing], ignore_conflicts=True
        )
        created = Tag.objects.filter(tenant_id=tenant_id, name__in=missing)
        found.update((tag.name, tag) for tag in created)
    return [found[name] for name in clean]


@transaction.atomic(savepoint=False)
def ticket_change_tags(
    *, ticket: Ticket, actor: Membership | None, add: list[str] = (), remove: list[str] = ()
) -> Ticket:
    """Add some tags and remove others (case-insensitively), keeping the rest: what a rule or
    a bulk action does without knowing the ticket's tags. The tags are read once. No savepoint
    of its own: inside a caller's transaction an error fails it (a rule's firing is undone)."""
    current = {tag.name: tag for tag in ticket.tags.all()}
    removed = {name.casefold() for name in remove}
    dropped = [tag for name, tag in current.items() if name.casefold() in removed]
    added = [tag for tag in _tags_named(ticket.tenant_id, add) if tag.name not in current]
    if dropped or added:
        old = ", ".join(sorted(current))
        if dropped:
            ticket.tags.remove(*dropped)
        if added:
            ticket.tags.add(*added)
        names = (set(current) - {tag.name for tag in dropped}) | {tag.name for tag in added}
        new = ", ".join(sorted(names))
        _event(ticket, actor, "changed", field="tags", old=old, new=new)
        _touch(ticket)
        _changed(ticket, actor, "tags", old, new)
    return ticket


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, actor: Membership, names: list[str]) -> Ticket:
    old = ", ".join(ticket.tags.values_list("name", flat=True))
    _set_tags(ticket, names)
    new = ", ".join(ticket.tags.values_list("name", flat=True))
    if old != new:
        _event(ticket, actor, "changed", field="tags", old=old, new=new)
        _touch(ticket)
        _changed(ticket, actor, "tags", old, new)
    return ticket


@transaction.atomic
def ticket_change_properties(*, ticket: Ticket, actor: Membership, changes: dict) -> Ticket:
    """Apply several property changes at once, each through its own service (and so with
    its own event); all or nothing. ``changes`` holds only what changed, keyed by property
    (``tags``: a list of names). The status goes last: resolving must see the other changes."""
    who = {"ticket": ticket, "actor": actor}
    if "priority" in changes:
        ticket_change_priority(**who, priority=changes["priority"])
    if "category" in changes:
        ticket_change_category(**who, category=changes["category"])
    if "unit" in changes:
        ticket_change_unit(**who, unit=changes["unit"])
    if "team" in changes:
        ticket_change_team(**who, team=changes["team"])
    if "assignee" in changes:
        ticket_assign(**who, assignee=changes["assignee"])
    if "tags" in changes:
        ticket_set_tags(**who, names=changes["tags"])
    if "status" in changes:
        ticket_change_status(**who, status=changes["status"])
    return ticket


@transaction.atomic
def ticket_reply_and_set_status(
    *,
    ticket: Ticket,
    actor: Membership,
    body: str,
    internal: bool = False,
    attachments: list[UploadedFile] | None = None,
    status: str = "",
) -> Message | None:
    """The composer's "Submit as …": the reply or note (if any), then the status, in one
    transaction; with an empty body only the status changes."""
    message = None
    if body.strip() or attachments:
        message = ticket_reply(
            ticket=ticket, actor=actor, body=body, internal=internal, attachments=attachments
        )
    if status and status != ticket.status:
        ticket_change_status(ticket=ticket, actor=actor, status=status)
    return message


# --- transfer and merge -------------------------------------------------------------------------


@transaction.atomic
def ticket_transfer(
    *,
    ticket: Ticket,
    actor: Membership,
    team: Team,
    reason: str,
    expected_handling_minutes: int,
    customer_message: str = "",
    ticket_url: str = "",
) -> Ticket:
    """Hand the ticket to another team (转接): reason and expected time are recorded, the
    reason goes to the receiving team as an internal note, the customer is told only
    ``customer_message`` (nothing when blank), the receiving team names a handler at once
    (routing), and its lead is notified."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is transferred.")})
    if expected_handling_minutes <= 0:
        raise ValidationError(
            {"expected_handling_minutes": _("Give a positive number of minutes.")}
        )
    if team == ticket.team:
        raise ValidationError({"team": _("The ticket is already with this team.")})
    if ticket.status == Status.CLOSED:
        raise TransitionError(_("A closed ticket cannot be transferred."))
    expected = timezone.now() + timedelta(minutes=expected_handling_minutes)
    old_team = ticket.team
    ticket.team = team
    ticket.expected_handled_by = expected
    _touch(ticket, "team", "expected_handled_by")
    _event(
        ticket,
        actor,
        "transferred",
        field="team",
        old=old_team,
        new=team,
        data={"reason": reason, "expected_handled_by": expected.isoformat()},
    )
    _system_message(ticket, actor, MessageKind.INTERNAL, _transfer_note(team, reason))
    notice = None
    if customer_message.strip():
        notice = _system_message(ticket, actor, MessageKind.PUBLIC, customer_message)
    events.ticket_transferred.send(
        sender=Ticket,
        ticket=ticket,
        actor=actor,
        old_team=old_team,
        new_team=team,
        reason=reason,
        expected_handled_by=expected,
        message=notice,
    )
    _assign(ticket, actor, routing.pick_assignee(ticket=ticket), reason="transfer")
    if team.lead_id:
        notify(
            recipient=team.lead,
            text=_("Ticket #%(number)s was transferred to %(team)s: %(reason)s")
            % {"number": ticket.number, "team": team.name, "reason": reason},
            url=ticket_url,
        )
    return ticket


def _transfer_note(team: Team, reason: str) -> str:
    return _("Transferred to %(team)s. Reason: %(reason)s") % {
        "team": team.name,
        "reason": reason.strip(),
    }


def _system_message(ticket: Ticket, actor: Membership, kind: str, body: str) -> Message:
    return Message.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        kind=kind,
        author_member=actor,
        body=body,
        is_system=True,
    )


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: Membership) -> Ticket:
    """Merge a duplicate into another ticket: its thread moves over, the source closes."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be merged into itself.")})
    if source.customer_id != target.customer_id:
        raise ValidationError({"target": _("Only tickets of the same customer can be merged.")})
    if target.status == Status.CLOSED or source.status == Status.CLOSED:
        raise TransitionError(_("Closed tickets cannot be merged."))
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    Message.objects.create(
        tenant_id=target.tenant_id,
        ticket=target,
        kind=MessageKind.INTERNAL,
        author_member=actor,
        is_system=True,
        body=_("Merged from #%(number)s: %(subject)s\n\n%(description)s")
        % {"number": source.number, "subject": source.subject, "description": source.description},
    )
    _event(target, actor, "merged_in", data={"source": source.number, "messages": moved})
    _event(source, actor, "merged_into", data={"target": target.number})
    if source.status != Status.RESOLVED:
        _set_status(source, actor, Status.RESOLVED)
    _set_status(source, actor, Status.CLOSED)
    source.merged_into = target
    _touch(source, "status", "resolved_at", "closed_at", "merged_into")
    events.ticket_merged.send(sender=Ticket, ticket=source, target=target, actor=actor)
    _touch(target)
    return target
