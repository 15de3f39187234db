"""Every write of surveys and follow-ups. Each public function is one transaction.

Preconditions for all of them: the tenant scope is active, and the caller has checked that
``actor`` may touch the ticket (``tickets.selectors.ticket_get_for_member``) or, on the public
survey page, that the token is valid (``surveys.selectors.invitation_for_token``).
"""

import logging
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from customers.models import Customer, Tier
from helpdesk.audit import audit_changes, audit_record, audit_snapshot
from helpdesk.models import Membership, Tenant
from helpdesk.notifications import notify
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.selectors import tenant_managers
from helpdesk.tenancy import tenant_url
from tickets import services as ticket_services
from tickets.models import Status, Ticket

from . import events, tokens
from .models import (
    DIMENSIONS,
    LABEL_LANGUAGES,
    QUESTION_LABELS,
    FollowUp,
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
)

logger = logging.getLogger(__name__)


class SurveyClosed(ValidationError):
    """The survey can no longer be answered or changed (expired, or past the edit window)."""


def _event(ticket: Ticket, actor: Membership | None, action: str, data: dict) -> None:
    audit_record(tenant=ticket.tenant_id, actor=actor, action=action, target=ticket, data=data)


def _ticket_path(ticket: Ticket) -> str:
    return reverse("ticket_detail", args=[ticket.number])


def _local(moment: datetime, tenant: Tenant) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(tenant.time_zone)).strftime(
        "%Y-%m-%d %H:%M"
    )


def _language_of(member: Membership, tenant: Tenant) -> str:
    return member.user.language or tenant.default_language


# --- settings ------------------------------------------------------------------------------------


def survey_settings_for(tenant: Tenant) -> SurveySettings:
    """The tenant's settings, created with the defaults on first use."""
    found = SurveySettings.objects.filter(tenant=tenant).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SurveySettings.objects.create(tenant=tenant)
    except IntegrityError:  # created by a concurrent request a moment ago
        return SurveySettings.objects.get(tenant=tenant)


@transaction.atomic
def survey_settings_update(*, tenant: Tenant, actor: Membership, values: dict) -> SurveySettings:
    """Save validated settings (``surveys.forms.SurveySettingsForm.settings_values``)."""
    current = survey_settings_for(tenant)
    before = audit_snapshot(current, [*values.keys() - {"question_labels"}, "question_labels"])
    labels = values.pop("question_labels", {})
    unknown = set(labels) - set(QUESTION_LABELS)
    if unknown or any(set(v) - set(LABEL_LANGUAGES) for v in labels.values()):
        raise ValidationError(_("Unknown question or language."))
    for name, value in values.items():
        setattr(current, name, value)
    current.question_labels = labels
    current.full_clean()
    weights = current.weights().values()
    if any(weight < 0 for weight in weights) or sum(weights) <= 0:
        raise ValidationError(_("Weights cannot be negative, and at least one must be above 0."))
    current.save()
    after = audit_snapshot(current, before)
    audit_changes(tenant=tenant, actor=actor, target=current, before=before, after=after)
    return current


# --- resolution: the invitation and the tier call ----------------------------------------------


def survey_on_ticket_resolved(*, ticket: Ticket, now: datetime | None = None) -> SurveyInvitation:
    """Called by ``tickets.services`` when a ticket becomes resolved (in its transaction).

    Invites the customer (once per resolution: unique per ticket and cycle), retires earlier
    unanswered links of the ticket, schedules the tier's follow-up call, and e-mails the link
    after the commit. Idempotent.
    """
    now = now or timezone.now()
    existing = SurveyInvitation.objects.filter(ticket=ticket, cycle=ticket.reopened_count).first()
    if existing is not None:
        return existing
    config = survey_settings_for(ticket.tenant)
    SurveyInvitation.objects.filter(
        ticket=ticket, expires_at__gt=now, response__isnull=True
    ).update(expires_at=now, remind_at=None)
    invitation = _create_invitation(ticket, config, now)
    _schedule_tier_call(ticket, config, now)
    if ticket.customer.email:
        enqueue_on_commit(
            "surveys.tasks.send_survey_email",
            tenant_id=ticket.tenant_id,
            invitation_id=invitation.pk,
            kind="invitation",
        )
    return invitation


def _create_invitation(ticket: Ticket, config: SurveySettings, now: datetime) -> SurveyInvitation:
    nonce = tokens.new_nonce()
    expires_at = now + timedelta(days=config.invitation_expiry_days)
    remind_at = now + timedelta(days=config.reminder_after_days)
    return SurveyInvitation.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        customer=ticket.customer,
        cycle=ticket.reopened_count,
        token_nonce=nonce,
        token_hash=tokens.hash_token(tokens.token_for(tenant_id=ticket.tenant_id, nonce=nonce)),
        language=ticket.customer.language or ticket.tenant.default_language,
        created_at=now,
        expires_at=expires_at,
        # No reminder when the link would already have expired by then.
        remind_at=remind_at if remind_at < expires_at else None,
    )


def invitation_token(invitation: SurveyInvitation) -> str:
    return tokens.token_for(tenant_id=invitation.tenant_id, nonce=invitation.token_nonce)


def invitation_path(invitation: SurveyInvitation) -> str:
    """The survey page's path on the tenant host (for e-mails and the customer portal)."""
    return reverse("surveys:answer", args=[invitation_token(invitation)])


def account_manager_of(customer: Customer) -> Membership | None:
    """The customer's account manager, if the customer model has one (a membership or a user)."""
    manager = getattr(customer, "account_manager", None)
    if isinstance(manager, Membership):
        return manager if manager.is_active else None
    if manager is not None and hasattr(manager, "memberships"):
        return Membership.objects.filter(user=manager, is_active=True).first()
    return None


def tier_of(customer: Customer) -> Tier | None:
    """The customer's tier, else their organization's (``effective_tier`` where it exists)."""
    if hasattr(type(customer), "effective_tier"):
        return customer.effective_tier
    return customer.tier


def _tier_gets_a_call(tier: Tier | None, config: SurveySettings) -> bool:
    return tier is not None and tier.code in (config.call_tier_codes or [])


def _schedule_tier_call(ticket: Ticket, config: SurveySettings, now: datetime) -> FollowUp | None:
    tier = tier_of(ticket.customer)
    if not _tier_gets_a_call(tier, config):
        return None
    assignee = account_manager_of(ticket.customer) or ticket.assignee
    follow_up = _create_follow_up(
        ticket,
        kind=FollowUpKind.TIER_CALL,
        assignee=assignee,
        due_at=now + timedelta(hours=config.follow_up_hours),
        channel=FollowUpChannel.PHONE,
        now=now,
    )
    if follow_up is not None and assignee is not None:
        with override(_language_of(assignee, ticket.tenant)):
            text = _("Follow-up call due for ticket #%(number)s (%(tier)s customer).") % {
                "number": ticket.number,
                "tier": tier.name,
            }
        notify(recipient=assignee, text=text, url=_ticket_path(ticket))
    return follow_up


def _create_follow_up(ticket: Ticket, *, now: datetime, **fields) -> FollowUp | None:
    """Insert in a savepoint; None if the unique constraint says it exists already."""
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                tenant_id=ticket.tenant_id,
                ticket=ticket,
                customer_id=ticket.customer_id,
                cycle=ticket.reopened_count,
                created_at=now,
                **fields,
            )
    except IntegrityError:
        return None
    _event(
        ticket,
        fields.get("created_by"),
        "follow_up_scheduled",
        {"follow_up": follow_up.pk, "kind": follow_up.kind, "due_at": follow_up.due_at.isoformat()},
    )
    return follow_up


# --- the customer's answer -----------------------------------------------------------------------


@transaction.atomic
def survey_answer(
    *,
    invitation: SurveyInvitation,
    overall: int,
    response_speed: int | None = None,
    resolution: int | None = None,
    professionalism: int | None = None,
    product: int | None = None,
    nps: int | None = None,
    comment: str = "",
    not_solved: bool = False,
    now: datetime | None = None,
) -> SurveyResponse:
    """Record the answer, or change it within the tenant's edit window; then close the loop:
    "not solved" reopens a resolved ticket (its resolution target restarts), a satisfied
    answer closes it, and a bad answer opens the follow-up and the improvement deadline.

    Raises ``SurveyClosed`` when the link has expired or the edit window has passed.
    """
    now = now or timezone.now()
    # The row lock serialises two submissions of the same link (PostgreSQL).
    invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    answers = {
        "overall": overall,
        "response_speed": response_speed,
        "resolution": resolution,
        "professionalism": professionalism,
        "product": product,
        "nps": nps,
        "comment": comment.strip(),
        "not_solved": not_solved,
    }
    _validate_answers(answers)
    config = survey_settings_for(invitation.ticket.tenant)
    response = _store_response(invitation, answers, config, now)
    ticket = Ticket.objects.select_related("customer", "team__lead__user", "assignee").get(
        pk=invitation.ticket_id
    )
    _event(
        ticket,
        None,
        "survey_edited" if response.edited_at else "survey_answered",
        {"response": response.pk, "overall": overall, "nps": nps, "not_solved": not_solved},
    )
    _close_the_loop(ticket, response)
    if response.is_bad:
        _open_bad_survey_follow_ups(ticket, response, config, now)
    events.survey_answered.send(sender=Ticket, ticket=ticket, response=response)
    return response


def _validate_answers(answers: dict) -> None:
    errors = {}
    for name in ("overall", *DIMENSIONS):
        value = answers[name]
        if (value is None and name == "overall") or (value is not None and not 1 <= value <= 5):
            errors[name] = _("Choose a rating from 1 to 5.")
    if answers["nps"] is not None and not 0 <= answers["nps"] <= 10:
        errors["nps"] = _("Choose a number from 0 to 10.")
    if errors:
        raise ValidationError(errors)


def _store_response(
    invitation: SurveyInvitation, answers: dict, config: SurveySettings, now: datetime
) -> SurveyResponse:
    if invitation.is_expired(now):
        raise SurveyClosed(_("This survey link has expired."))
    existing = SurveyResponse.objects.filter(invitation=invitation).first()
    if existing is None:
        SurveyInvitation.objects.filter(pk=invitation.pk).update(remind_at=None)
        return _create_response(invitation, answers, now)
    if now > existing.editable_until(config.edit_window_hours):
        raise SurveyClosed(_("This survey was already answered and can no longer be changed."))
    for name, value in answers.items():
        setattr(existing, name, value)
    existing.edited_at = now
    existing.save(update_fields=[*answers, "edited_at"])
    return existing


def _create_response(invitation: SurveyInvitation, answers: dict, now: datetime) -> SurveyResponse:
    ticket = invitation.ticket
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                tenant_id=invitation.tenant_id,
                invitation=invitation,
                ticket=ticket,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                tier=tier_of(ticket.customer),
                created_at=now,
                **answers,
            )
    except IntegrityError:  # answered a moment ago (SQLite has no row lock to wait on)
        raise SurveyClosed(_("This survey was already answered.")) from None


def _close_the_loop(ticket: Ticket, response: SurveyResponse) -> None:
    """A closed ticket stays closed (the lifecycle allows no way back); the bad-survey
    follow-up then carries the customer's word instead."""
    if ticket.status != Status.RESOLVED:
        return
    if response.not_solved:
        ticket_services.ticket_reopen(ticket=ticket, actor=None)
    elif response.is_satisfied:
        ticket_services.ticket_change_status(ticket=ticket, actor=None, status=Status.CLOSED)


def responsible_lead(ticket: Ticket) -> Membership | None:
    """The lead of the ticket's team (the responsible department), else the assignee."""
    if ticket.team_id and ticket.team.lead_id and ticket.team.lead.is_active:
        return ticket.team.lead
    return ticket.assignee


def _open_bad_survey_follow_ups(
    ticket: Ticket, response: SurveyResponse, config: SurveySettings, now: datetime
) -> None:
    """The call back to the customer (回访) after a bad answer. The improvement deadline is the
    tenant's trigger "negative survey → improvement task" (``improvement_deadline_open``)."""
    lead = responsible_lead(ticket)
    created = _create_follow_up(
        ticket,
        kind=FollowUpKind.BAD_SURVEY,
        response=response,
        assignee=lead,
        due_at=now + timedelta(hours=config.follow_up_hours),
        channel=FollowUpChannel.PHONE,
        now=now,
    )
    if lead is not None and created:
        with override(_language_of(lead, ticket.tenant)):
            text = _("Bad survey on ticket #%(number)s: call the customer within %(call)s h.") % {
                "number": ticket.number,
                "call": config.follow_up_hours,
            }
        notify(recipient=lead, text=text, url=_ticket_path(ticket))


def improvement_deadline_open(*, ticket: Ticket, hours: int, note: str = "") -> FollowUp | None:
    """The responsible department's deadline to tell the customer what was improved after a
    bad survey (将回访中收集的'负面反馈'自动生成待办任务), due in ``hours``, tracked until the
    message is recorded; given to the team lead (else the assignee) and linked to the ticket's
    latest answer. Once per ticket and cycle: None when it is open already.
    Precondition: in a transaction, scope active."""
    now = timezone.now()
    response = SurveyResponse.objects.filter(ticket=ticket).order_by("-pk").first()
    lead = responsible_lead(ticket)
    created = _create_follow_up(
        ticket,
        kind=FollowUpKind.IMPROVEMENT,
        response=response,
        assignee=lead,
        due_at=now + timedelta(hours=hours),
        channel=FollowUpChannel.EMAIL,
        notes=note.strip(),
        now=now,
    )
    if lead is not None and created:
        with override(_language_of(lead, ticket.tenant)):
            text = _(
                "Bad survey on ticket #%(number)s: send the customer the improvement within "
                "%(improve)s h."
            ) % {"number": ticket.number, "improve": hours}
        notify(recipient=lead, text=text, url=_ticket_path(ticket))
    return created


# --- follow-ups by hand --------------------------------------------------------------------------


@transaction.atomic
def follow_up_schedule(
    *,
    ticket: Ticket,
    actor: Membership | None,
    assignee: Membership | None,
    due_at: datetime,
    channel: str,
    notes: str = "",
    kind: str = FollowUpKind.MANUAL,
) -> FollowUp:
    """A follow-up scheduled by hand from the ticket page, or (``actor`` None, kind ``task``)
    by a tenant's rule."""
    if assignee is not None and assignee.tenant_id != ticket.tenant_id:
        raise ValidationError({"assignee": _("Unknown agent.")})
    if channel not in FollowUpChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    now = timezone.now()
    if due_at <= now:
        raise ValidationError({"due_at": _("Choose a time in the future.")})
    follow_up = _create_follow_up(
        ticket,
        kind=kind,
        assignee=assignee,
        due_at=due_at,
        channel=channel,
        notes=notes.strip(),
        created_by=actor,
        now=now,
    )
    if assignee is not None and assignee != actor:
        with override(_language_of(assignee, ticket.tenant)):
            text = _("A follow-up for ticket #%(number)s was scheduled for you.") % {
                "number": ticket.number
            }
        notify(recipient=assignee, text=text, url=_ticket_path(ticket))
    return follow_up


# The statuses an agent may record, and what each needs.
LOGGABLE = (FollowUpStatus.DONE, FollowUpStatus.MISSED, FollowUpStatus.CANCELLED)


@transaction.atomic
def follow_up_log(
    *, follow_up: FollowUp, actor: Membership, status: str, outcome: str = "", notes: str = ""
) -> FollowUp:
    """Record the call's outcome (done), a missed call, or a cancellation. For an improvement
    deadline, done means: the agent records that the improvement message was sent."""
    if status not in LOGGABLE:
        raise ValidationError({"status": _("Choose done, missed or cancelled.")})
    if outcome and outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    if status == FollowUpStatus.DONE and not outcome:
        outcome = (
            FollowUpOutcome.IMPROVEMENT_SENT
            if follow_up.kind == FollowUpKind.IMPROVEMENT
            else FollowUpOutcome.OTHER
        )
    now = timezone.now()
    # Claimed only while pending: a second click (or a colleague) cannot overwrite the record.
    claimed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.PENDING).update(
        status=status, outcome=outcome, notes=notes.strip(), done_at=now, done_by=actor
    )
    if not claimed:
        raise ValidationError(_("This follow-up was already recorded."))
    follow_up.refresh_from_db()
    _event(
        follow_up.ticket,
        actor,
        "follow_up_logged",
        {"follow_up": follow_up.pk, "kind": follow_up.kind, "status": status, "outcome": outcome},
    )
    return follow_up


# --- sweeps (see surveys.sweeper) ------------------------------------------------------------


def follow_up_escalate(*, follow_up: FollowUp, now: datetime) -> bool:
    """Escalate an overdue follow-up to the team lead (managers if there is none), exactly
    once: ``escalated_at`` is claimed by a conditional UPDATE and the row count checked.
    Precondition: in a transaction, the tenant scope active."""
    claimed = FollowUp.objects.filter(
        pk=follow_up.pk,
        status=FollowUpStatus.PENDING,
        escalated_at__isnull=True,
        due_at__lte=now,
    ).update(escalated_at=now)
    if not claimed:
        return False
    ticket = Ticket.objects.select_related("team__lead__user", "tenant").get(pk=follow_up.ticket_id)
    _event(ticket, None, "follow_up_escalated", {"follow_up": follow_up.pk, "kind": follow_up.kind})
    for recipient in _escalation_recipients(ticket, follow_up):
        with override(_language_of(recipient, ticket.tenant)):
            text = _("Overdue: %(kind)s for ticket #%(number)s was due %(due)s.") % {
                "kind": FollowUpKind(follow_up.kind).label,
                "number": ticket.number,
                "due": _local(follow_up.due_at, ticket.tenant),
            }
        notify(recipient=recipient, text=text, url=_ticket_path(ticket))
    events.follow_up_overdue.send(sender=Ticket, ticket=ticket, follow_up=follow_up)
    return True


def _escalation_recipients(ticket: Ticket, follow_up: FollowUp) -> list[Membership]:
    """The team lead; the managers when there is no lead, or when the overdue follow-up is
    the lead's own (a bad survey's call and improvement go to the lead in the first place)."""
    lead = ticket.team.lead if ticket.team_id and ticket.team.lead_id else None
    if lead is not None and lead.is_active and lead.pk != follow_up.assignee_id:
        return [lead]
    managers = list(tenant_managers(tenant=ticket.tenant))
    return managers or ([lead] if lead is not None and lead.is_active else [])


def invitation_remind(*, invitation: SurveyInvitation, now: datetime) -> bool:
    """Send the one reminder of an unanswered, unexpired invitation; an answered or expired
    one just leaves the sweep's index. Claimed by a conditional UPDATE on
    ``reminder_sent_at IS NULL``. Precondition: in a transaction, the tenant scope active."""
    pending = SurveyInvitation.objects.filter(pk=invitation.pk, reminder_sent_at__isnull=True)
    if invitation.is_expired(now) or SurveyResponse.objects.filter(invitation=invitation).exists():
        pending.update(remind_at=None)
        return False
    if not pending.update(reminder_sent_at=now):
        return False
    if invitation.customer.email:
        enqueue_on_commit(
            "surveys.tasks.send_survey_email",
            tenant_id=invitation.tenant_id,
            invitation_id=invitation.pk,
            kind="reminder",
        )
    return True


# --- e-mail --------------------------------------------------------------------------------------

EMAIL_CLAIMS = {"invitation": "emailed_at", "reminder": "reminder_emailed_at"}


def survey_email(*, tenant: Tenant, invitation_id: int, kind: str) -> bool:
    """Mail the invitation (or its reminder) once, in the customer's language; False if
    already mailed. Like ``helpdesk.notifications.notification_email``: claim, send and mark
    are one transaction (``helpdesk.platform.outbox``), so a worker killed before the hand-over to
    the
    mail server leaves it owed to the catch-up. Precondition: the tenant's scope is active, no
    transaction open."""
    owed = SurveyInvitation.objects.select_related("ticket", "customer")
    try:
        return email_send_once(
            owed,
            pk=invitation_id,
            field=EMAIL_CLAIMS[kind],
            build=lambda invitation: _survey_message(tenant, invitation, kind),
        )
    except OSError:
        logger.warning("survey %s: e-mail failed, will retry", invitation_id, exc_info=True)
        raise


def _survey_message(tenant: Tenant, invitation: SurveyInvitation, kind: str) -> EmailMessage:
    link = tenant_url(tenant, invitation_path(invitation))
    with override(invitation.language or tenant.default_language):
        values = {"number": invitation.ticket.number, "tenant": tenant.name}
        if kind == "reminder":
            subject = _("Reminder: how did we do? Request #%(number)s") % values
        else:
            subject = _("How did we do? Request #%(number)s") % values
        body = _(
            "Dear customer,\n\nyour request #%(number)s (%(subject)s) has been resolved. "
            "Please tell us how we did — it takes a minute:\n\n%(link)s\n\n"
            "If your problem is not solved, say so on that page and we will reopen it.\n\n"
            "%(tenant)s"
        ) % {**values, "subject": invitation.ticket.subject, "link": link}
    message_id = stable_message_id(kind=f"survey-{kind}", pk=invitation.pk, tenant=tenant)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[invitation.customer.email],
        headers={"Message-ID": message_id},
    )


def survey_emails_catch_up(*, tenant: Tenant, older_than_seconds: int = 60) -> int:
    """Send invitation and reminder e-mails whose task never ran (broker down, worker lost).
    ``survey_email`` claims each kind itself, so racing the regular task sends nothing twice."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with_address = SurveyInvitation.objects.exclude(customer__email="")
    owed = [
        (pk, "invitation")
        for pk in with_address.filter(emailed_at__isnull=True, created_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:500]
    ] + [
        (pk, "reminder")
        for pk in with_address.filter(
            reminder_sent_at__lte=cutoff, reminder_emailed_at__isnull=True
        ).values_list("pk", flat=True)[:500]
    ]
    return sum(survey_email(tenant=tenant, invitation_id=pk, kind=kind) for pk, kind in owed)
