"""Major incidents: reads (selectors) and writes (services) in one module, kept apart from
``tickets.services`` / ``tickets.selectors`` so the ticket core stays small.

Who may do what (checked by the views through the fetch-and-authorize helpers below):

* every member sees incidents, links tickets they can open, and logs new tickets against one;
* admins, managers and team leads — and the incident's owner — open, edit, post updates,
  resolve and attach playbooks (``incident_get_for_commander``);
* a playbook step is checked off by its owner (the member named, or anyone holding the role
  named) or by an incident commander.

Preconditions for every function: the tenant scope is active.
"""

import logging
import re
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from helpdesk.audit import audit_record, audit_saved, audit_snapshot
from helpdesk.models import Membership, Role, Tenant
from helpdesk.notifications import notify
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.selectors import tenant_managers
from tickets import services as ticket_services
from tickets.incidents.models import (
    INCIDENT_RESPONSE_TARGET,
    OPEN_INCIDENT_STATUSES,
    Incident,
    IncidentStatus,
    IncidentStep,
    IncidentTicket,
    IncidentUpdate,
    IncidentUpdateDelivery,
    Playbook,
    PlaybookStep,
    SurgeAlert,
)
from tickets.intake import ticket_intake_from_form
from tickets.models import ACTIVE_STATUSES, Category, Status, Ticket
from tickets.selectors import tickets_visible_to

logger = logging.getLogger(__name__)

# Incident commanders: they open, update and resolve incidents (the owner may too).
INCIDENT_ROLES = (Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD)
# Linking is per ticket, so one paste or selection is capped like the queue's bulk actions.
MAX_LINK_AT_ONCE = 500
TICKET_NUMBER = re.compile(r"#?(\d{1,12})")


# --- selectors -----------------------------------------------------------------------------------


def incidents_open(*, include_drills: bool = True) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(status__in=OPEN_INCIDENT_STATUSES)
    if not include_drills:
        incidents = incidents.filter(is_drill=False)
    return incidents.select_related("owner__user").order_by("-opened_at", "-pk")


def incidents_public_now() -> list[Incident]:
    """Open incidents customers are told about (drills never are)."""
    return list(incidents_open(include_drills=False)[:5])


def open_incidents_for_queue() -> list[Incident]:
    """The 20 newest open incidents: the queue's "link selected" choices and, since an
    incident's ``opened_at`` is its creation time, the candidates for the workspace banner."""
    return list(Incident.objects.filter(status__in=OPEN_INCIDENT_STATUSES).order_by("-pk")[:20])


def incident_list() -> QuerySet[Incident]:
    return Incident.objects.select_related("owner__user", "category").annotate(
        linked_count=Count("links")
    )


def incident_get_for_member(*, member: Membership, pk: int) -> Incident:
    """Any member of the tenant may look at an incident; another tenant's id is a 404."""
    incident = Incident.objects.select_related("owner__user", "category").filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def can_command(member: Membership, incident: Incident | None = None) -> bool:
    if member.role in INCIDENT_ROLES:
        return True
    return incident is not None and incident.owner_id == member.pk


def incident_get_for_commander(*, member: Membership, pk: int) -> Incident:
    """The incident if this member may change it (commander or owner), else 404."""
    incident = incident_get_for_member(member=member, pk=pk)
    if not can_command(member, incident):
        raise Http404
    return incident


def incident_linked_tickets(*, incident: Incident, limit: int = 500) -> list[Ticket]:
    tickets = Ticket.objects.filter(incident_links__incident=incident)
    tickets = tickets.select_related("customer", "assignee__user", "category")
    return list(tickets.order_by("-created_at", "-pk")[:limit])


def _keyword_match(words: list[str]) -> Q:
    match = Q(pk__in=[])
    for word in words:
        match |= Q(subject__icontains=word) | Q(description__icontains=word)
    return match


def incident_candidate_tickets(
    *, incident: Incident, member: Membership, limit: int = 50
) -> list[Ticket]:
    """Active tickets the member can open that mention a keyword and are not linked yet."""
    words = incident.keyword_list
    if not words or not incident.is_open:
        return []
    tickets = tickets_visible_to(member).filter(
        _keyword_match(words),
        status__in=ACTIVE_STATUSES,
        created_at__gte=incident.opened_at - INCIDENT_RESPONSE_TARGET * 2,
    )
    tickets = tickets.exclude(incident_links__incident=incident).select_related("customer")
    return list(tickets.order_by("-created_at", "-pk")[:limit])


def incident_suggested_for_text(*, text: str) -> Incident | None:
    """The open (non-drill) incident whose keywords appear in this text, newest first."""
    lowered = text.lower()
    for incident in incidents_open(include_drills=False)[:20]:
        if any(word in lowered for word in incident.keyword_list):
            return incident
    return None


def incident_suggested_for_ticket(*, ticket: Ticket) -> Incident | None:
    return incident_suggested_for_text(text=f"{ticket.subject}\n{ticket.description}")


def incident_update_progress(*, update: IncidentUpdate) -> dict:
    """``{"sent": n, "total": m}`` in one query."""
    counts = IncidentUpdateDelivery.objects.filter(update=update).aggregate(
        total=Count("pk"), sent=Count("pk", filter=Q(sent_at__isnull=False))
    )
    return {"sent": counts["sent"], "total": counts["total"]}


def incident_update_get(*, incident: Incident, pk: int) -> IncidentUpdate:
    update = incident.updates.filter(pk=pk).first()
    if update is None:
        raise Http404
    return update


def incident_step_get(*, incident: Incident, pk: int) -> IncidentStep:
    step = incident.steps.select_related("owner_member__user").filter(pk=pk).first()
    if step is None:
        raise Http404
    return step


def step_can_be_done_by(step: IncidentStep, member: Membership, incident: Incident) -> bool:
    if can_command(member, incident):
        return True
    if step.owner_member_id:
        return step.owner_member_id == member.pk
    return bool(step.owner_role) and step.owner_role == member.role


def playbooks_active() -> QuerySet[Playbook]:
    return Playbook.objects.filter(is_active=True).order_by("name")


# --- opening and editing -------------------------------------------------------------------------


def _event(incident: Incident, actor: Membership | None, action: str, **data) -> None:
    audit_record(tenant=incident.tenant_id, actor=actor, action=action, target=incident, data=data)


@transaction.atomic
def incident_open(
    *,
    tenant: Tenant,
    actor: Membership,
    title: str,
    description: str = "",
    severity: str = "major",
    keywords: str = "",
    expected_recovery_at: datetime | None = None,
    owner: Membership | None = None,
    category: Category | None = None,
    is_drill: bool = False,
    playbook: Playbook | None = None,
    surge_alert: SurgeAlert | None = None,
) -> Incident:
    """Open an incident; its 30-minute first-update target starts now. Opened from a surge
    alert, it takes over the alert's category tickets of that hour."""
    if not title.strip():
        raise ValidationError({"title": _("Give the incident a title.")})
    now = timezone.now()
    incident = Incident.objects.create(
        tenant=tenant,
        title=title.strip(),
        description=description,
        severity=severity,
        keywords=keywords,
        expected_recovery_at=expected_recovery_at,
        owner=owner or actor,
        opened_by=actor,
        category=category,
        is_drill=is_drill,
        opened_at=now,
        first_update_due_at=now + INCIDENT_RESPONSE_TARGET,
    )
    _event(incident, actor, "opened", drill=is_drill)
    if playbook is not None:
        incident_attach_playbook(incident=incident, actor=actor, playbook=playbook)
    if surge_alert is not None:
        _take_over_surge(incident, actor, surge_alert)
    return incident


def _take_over_surge(incident: Incident, actor: Membership, alert: SurgeAlert) -> None:
    SurgeAlert.objects.filter(pk=alert.pk, incident__isnull=True).update(incident=incident)
    since = alert.created_at - INCIDENT_RESPONSE_TARGET * 2
    surge_tickets = Ticket.objects.filter(
        category_id=alert.category_id, created_at__gte=since, status__in=ACTIVE_STATUSES
    )
    incident_link_tickets(incident=incident, actor=actor, tickets=surge_tickets[:MAX_LINK_AT_ONCE])


EDITABLE_FIELDS = ("title", "description", "severity", "keywords", "category", "owner")


@transaction.atomic
def incident_edit(
    *, incident: Incident, actor: Membership, expected_recovery_at: datetime | None, **fields
) -> Incident:
    """Change the incident's own fields; status changes go through updates and resolution."""
    changed = [name for name in EDITABLE_FIELDS if getattr(incident, name) != fields.get(name)]
    for name in changed:
        setattr(incident, name, fields.get(name))
    if incident.expected_recovery_at != expected_recovery_at:
        incident.expected_recovery_at = expected_recovery_at
        changed.append("expected_recovery_at")
    if changed:
        incident.save(update_fields=changed)
        _event(incident, actor, "edited", fields=changed)
    return incident


# --- linking -------------------------------------------------------------------------------------


def parse_ticket_numbers(text: str) -> list[int]:
    """``#12, 13 14`` → ``[12, 13, 14]`` (sorted, unique)."""
    return sorted({int(match) for match in TICKET_NUMBER.findall(text)})


@transaction.atomic
def incident_link_tickets(
    *, incident: Incident, actor: Membership | None, tickets: Iterable[Ticket]
) -> int:
    """Link tickets; already linked ones are skipped. Returns how many were linked now.
    Precondition: the caller checked that ``actor`` may open each ticket."""
    if not incident.is_open:
        raise ValidationError(_("This incident is resolved; tickets can no longer be linked."))
    wanted = {ticket.pk: ticket for ticket in tickets}
    have = set(
        IncidentTicket.objects.filter(incident=incident, ticket_id__in=list(wanted)).values_list(
            "ticket_id", flat=True
        )
    )
    rows = [
        IncidentTicket(
            tenant_id=incident.tenant_id, incident=incident, ticket_id=pk, linked_by=actor
        )
        for pk in wanted
        if pk not in have
    ]
    # ignore_conflicts: two agents linking the same ticket at once end with one link.
    IncidentTicket.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        numbers = sorted(wanted[row.ticket_id].number for row in rows)
        _event(incident, actor, "linked", tickets=numbers)
    return len(rows)


def incident_link_numbers(*, incident: Incident, actor: Membership, numbers: list[int]) -> dict:
    """Link tickets by number, each through the member's access check.
    Returns ``{"linked": n, "unknown": [numbers the member cannot open]}``."""
    if len(numbers) > MAX_LINK_AT_ONCE:
        raise ValidationError(
            _("Link at most %(max)s tickets at once.") % {"max": MAX_LINK_AT_ONCE}
        )
    found = list(tickets_visible_to(actor).filter(number__in=numbers))
    unknown = sorted(set(numbers) - {ticket.number for ticket in found})
    linked = incident_link_tickets(incident=incident, actor=actor, tickets=found)
    return {"linked": linked, "unknown": unknown}


@transaction.atomic
def incident_unlink_ticket(*, incident: Incident, actor: Membership, number: int) -> bool:
    deleted, _rows = IncidentTicket.objects.filter(
        incident=incident, ticket__number=number
    ).delete()
    if deleted:
        _event(incident, actor, "unlinked", tickets=[number])
    return bool(deleted)


@transaction.atomic
def incident_ticket_intake(*, incident: Incident, actor: Membership, data: dict) -> Ticket:
    """Log a new ticket (hotline call, agent intake) already linked to the incident: one
    transaction, so a rejected attachment leaves neither customer nor ticket behind."""
    ticket = ticket_intake_from_form(
        tenant=incident.tenant, actor=actor, data=data, category=incident.category
    )
    incident_link_tickets(incident=incident, actor=actor, tickets=[ticket])
    return ticket


# --- updates and the broadcast -------------------------------------------------------------------


@transaction.atomic
def incident_update_post(
    *,
    incident: Incident,
    actor: Membership,
    body: str,
    status: str | None = None,
    expected_recovery_at: datetime | None = None,
) -> IncidentUpdate:
    """Post one public update: it owes every linked customer (with an address) one e-mail,
    written as outbox rows in this transaction and sent by a task after the commit. A drill
    records the update and mails nobody. Resolving goes through ``incident_resolve``."""
    if not body.strip():
        raise ValidationError({"body": _("Write the update first.")})
    if not incident.is_open:
        raise ValidationError(_("This incident is resolved."))
    status = status or incident.status
    if status not in OPEN_INCIDENT_STATUSES:
        raise ValidationError({"status": _("Resolve the incident with the resolve form.")})
    update = _record_update(incident, actor, body, status, expected_recovery_at)
    if not incident.is_drill:
        _owe_update(update)
    return update


def _record_update(
    incident: Incident,
    actor: Membership,
    body: str,
    status: str,
    expected_recovery_at: datetime | None,
) -> IncidentUpdate:
    now = timezone.now()
    fields = []
    if incident.first_update_at is None:
        incident.first_update_at = now
        fields.append("first_update_at")
    if status != incident.status:
        _event(incident, actor, "status", old=incident.status, new=status)
        incident.status = status
        fields.append("status")
    if expected_recovery_at and expected_recovery_at != incident.expected_recovery_at:
        incident.expected_recovery_at = expected_recovery_at
        fields.append("expected_recovery_at")
    if fields:
        incident.save(update_fields=fields)
    update = IncidentUpdate.objects.create(
        tenant_id=incident.tenant_id,
        incident=incident,
        author=actor,
        body=body.strip(),
        status=status,
        expected_recovery_at=incident.expected_recovery_at,
        created_at=now,
    )
    _event(incident, actor, "update", update=update.pk)
    return update


def _owe_update(update: IncidentUpdate) -> int:
    customer_ids = (
        Customer.objects.filter(tickets__incident_links__incident_id=update.incident_id)
        .exclude(email="")
        .values_list("pk", flat=True)
        .distinct()
    )
    rows = [
        IncidentUpdateDelivery(tenant_id=update.tenant_id, update=update, customer_id=pk)
        for pk in customer_ids
    ]
    IncidentUpdateDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if rows:
        enqueue_on_commit(
            "tickets.incidents.tasks.send_incident_update",
            tenant_id=update.tenant_id,
            update_id=update.pk,
        )
    return len(rows)


def incident_update_send(*, tenant: Tenant, update_id: int) -> int:
    """Send every owed e-mail of one update; returns how many this call sent.

    Each row is claimed, sent and marked in one transaction (``helpdesk.platform.outbox``), so a
    second task or a retry skips what was sent, and a send that raises or a worker killed
    before the send leaves the row owed to the retry or the minute sweep: nothing is lost.
    Precondition: the tenant's scope is active, no transaction open.
    """
    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None:
        return 0
    owed = IncidentUpdateDelivery.objects.filter(update=update, sent_at__isnull=True)
    sent = 0
    for delivery_id in list(owed.order_by("pk").values_list("pk", flat=True)):
        sent += _delivery_send(tenant, update, delivery_id)
    return sent


def _delivery_send(tenant: Tenant, update: IncidentUpdate, delivery_id: int) -> bool:
    def build(delivery: IncidentUpdateDelivery) -> EmailMessage:
        message = incident_update_email(tenant, update, delivery.customer)
        message.extra_headers["Message-ID"] = stable_message_id(
            kind="incident-update", pk=delivery.pk, tenant=tenant
        )
        return message

    owed = IncidentUpdateDelivery.objects.select_related("customer")
    try:
        return email_send_once(owed, pk=delivery_id, field="sent_at", build=build)
    except Exception:
        logger.warning("incident delivery %s failed, will retry", delivery_id, exc_info=True)
        raise


def incident_update_email(tenant: Tenant, update: IncidentUpdate, customer: Customer):
    """The e-mail of one update to one customer, in the customer's language."""
    context = {"tenant": tenant, "incident": update.incident, "update": update}
    with (
        translation.override(customer.language or tenant.default_language),
        timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)),
    ):
        subject = render_to_string("tickets/incidents/email/update_subject.txt", context)
        body = render_to_string("tickets/incidents/email/update.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def incident_deliveries_catch_up(*, tenant: Tenant, older_than_seconds: int = 60) -> int:
    """Send owed updates whose task never ran (broker down, worker lost mid-way)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    update_ids = (
        IncidentUpdateDelivery.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .values_list("update_id", flat=True)
        .distinct()
    )
    return sum(incident_update_send(tenant=tenant, update_id=pk) for pk in list(update_ids)[:50])


# --- resolution ----------------------------------------------------------------------------------


@transaction.atomic
def incident_resolve(*, incident: Incident, actor: Membership, message: str) -> int:
    """Resolve the incident and every active linked ticket with the same public message,
    each through ``tickets.services`` (so each customer gets the reply and the resolution
    e-mail of their ticket, surveys start, SLAs stop). Returns how many tickets were resolved.
    One transaction: all of it or nothing."""
    if not message.strip():
        raise ValidationError({"message": _("Write the message the customers will get.")})
    if not incident.is_open:
        raise ValidationError(_("This incident is already resolved."))
    resolved = 0
    for ticket in _active_linked(incident):
        if not incident.is_drill:
            ticket_services.ticket_reply(ticket=ticket, actor=actor, body=message)
            ticket_services.ticket_change_status(ticket=ticket, actor=actor, status=Status.RESOLVED)
            resolved += 1
    _record_update(incident, actor, message, IncidentStatus.RESOLVED, None)
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["resolved_at"])
    _event(incident, actor, "resolved", tickets=resolved)
    return resolved


def _active_linked(incident: Incident) -> list[Ticket]:
    tickets = Ticket.objects.filter(incident_links__incident=incident, status__in=ACTIVE_STATUSES)
    return list(tickets.select_related("customer", "tenant", "category").order_by("number"))


# --- playbooks on incidents ----------------------------------------------------------------------


@transaction.atomic
def incident_attach_playbook(*, incident: Incident, actor: Membership, playbook: Playbook) -> int:
    """Copy the playbook's steps onto the incident, after any steps already there."""
    start = incident.steps.count()
    steps = [
        IncidentStep(
            tenant_id=incident.tenant_id,
            incident=incident,
            playbook=playbook,
            position=start + index,
            description=step.description,
            owner_role=step.owner_role,
            owner_member_id=step.owner_member_id,
        )
        for index, step in enumerate(playbook.steps.order_by("position", "pk"), start=1)
    ]
    IncidentStep.objects.bulk_create(steps)
    _event(incident, actor, "playbook", playbook=playbook.name, steps=len(steps))
    return len(steps)


@transaction.atomic
def incident_step_done(*, step: IncidentStep, actor: Membership) -> bool:
    """Check a step off (who, when). Claimed by a conditional UPDATE: done once."""
    done = IncidentStep.objects.filter(pk=step.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=actor
    )
    if done:
        _event(step.incident, actor, "step_done", step=step.pk, description=step.description)
    return bool(done)


# --- the 30-minute first-update target (swept) ---------------------------------------------------


def incidents_escalate_overdue(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Tell the owner and the managers once when an incident's first update is overdue.
    Each incident is claimed with a conditional UPDATE, in one transaction with its
    notifications, so two sweepers (or a retried one) escalate it exactly once."""
    now = now or timezone.now()
    due = Incident.objects.filter(
        first_update_at__isnull=True,
        first_update_escalated_at__isnull=True,
        first_update_due_at__lte=now,
        status__in=OPEN_INCIDENT_STATUSES,
    )
    escalated = 0
    for pk in list(due.values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            claimed = Incident.objects.filter(pk=pk, first_update_escalated_at__isnull=True)
            if claimed.update(first_update_escalated_at=now):
                _tell_overdue(Incident.objects.select_related("owner", "tenant").get(pk=pk))
                escalated += 1
    return escalated


def _tell_overdue(incident: Incident) -> None:
    from django.urls import reverse

    recipients = {m.pk: m for m in tenant_managers(tenant=incident.tenant)}
    if incident.owner_id:
        recipients[incident.owner_id] = incident.owner
    with translation.override(incident.tenant.default_language):
        text = _("Incident “%(title)s” has had no update for 30 minutes.") % {
            "title": incident.title
        }
    for member in recipients.values():
        notify(recipient=member, text=text, url=reverse("incident_detail", args=[incident.pk]))
    _event(incident, None, "first_update_overdue")


# --- playbooks -----------------------------------------------------------------------------------


def playbook_get(*, pk: int) -> Playbook:
    playbook = Playbook.objects.filter(pk=pk).first()
    if playbook is None:
        raise Http404
    return playbook


def playbook_steps(*, playbook: Playbook) -> list[PlaybookStep]:
    return list(playbook.steps.select_related("owner_member__user").order_by("position", "pk"))


@transaction.atomic
def playbook_save(
    *,
    tenant: Tenant,
    playbook: Playbook | None,
    name: str,
    scenario: str,
    is_active: bool,
    steps: list[dict],
    actor: Membership | None = None,
) -> Playbook:
    """Create or rewrite a playbook and its ordered steps (incidents keep their own copies).
    ``steps``: dicts with ``description``, ``owner_role`` and ``owner_member``."""
    name = name.strip()
    same_name = Playbook.objects.filter(name__iexact=name)
    if playbook is not None:
        same_name = same_name.exclude(pk=playbook.pk)
    if same_name.exists():
        raise ValidationError({"name": _("A playbook with this name exists.")})
    creating = playbook is None
    playbook = playbook or Playbook(tenant=tenant)
    before = None if creating else _playbook_snapshot(playbook)
    playbook.name, playbook.scenario, playbook.is_active = name, scenario, is_active
    playbook.save()
    playbook.steps.all().delete()
    PlaybookStep.objects.bulk_create(
        PlaybookStep(
            tenant=tenant,
            playbook=playbook,
            position=position,
            description=step["description"],
            owner_role=step.get("owner_role") or "",
            owner_member=step.get("owner_member"),
        )
        for position, step in enumerate(steps, start=1)
    )
    audit_saved(
        tenant=tenant,
        actor=actor,
        target=playbook,
        before=before,
        after=_playbook_snapshot(playbook),
    )
    return playbook


def _playbook_snapshot(playbook: Playbook) -> dict[str, str]:
    steps = playbook.steps.order_by("position", "pk").values_list("description", flat=True)
    return {
        **audit_snapshot(playbook, ("name", "scenario", "is_active")),
        "steps": "\n".join(steps),
    }
