"""Actions of a trigger: what each may say, checking it, and doing it to a ticket.

An action is ``{"type": …, "value": …}``. ``check_actions`` normalises a list of them or
raises ``DefinitionError`` naming each offending path (``actions[1].value``); references (a
team, an agent, a category) are checked to exist in the tenant when the trigger is saved, and
again when it runs: one that is gone by then raises ``MissingReference``, and the engine
disables the trigger instead of failing the change that fired it.

Every action goes through the service that makes the same change for an agent, with no member
as the actor, so it is audited, evented and routed exactly as a person's change; the engine
names the trigger as the actor of those audit rows (``helpdesk.audit.acting_as``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from automations.conditions import DefinitionError
from automations.models import RoundRobin
from helpdesk.models import Membership, Team
from helpdesk.notifications import notify_many
from helpdesk.selectors import tenant_managers
from helpdesk.webhooks import webhook_emit
from knowledge.models import ApprovalStatus, ReplyTemplate, TemplateScope
from knowledge.services import reply_template_apply, reply_template_fill
from sla.services import escalation_record_rule, sla_target_override
from surveys.models import FollowUpChannel, FollowUpKind
from surveys.services import follow_up_schedule, improvement_deadline_open, responsible_lead
from tickets import services as tickets
from tickets.models import Category, Priority, Status, Ticket
from tickets.routing import ROUTABLE_ROLES, pick_assignee

MAX_TEXT = 2000
MAX_HOURS = 24 * 365
NOTIFY_TO = ("assignee", "team_lead", "managers")
FOLLOW_UP_KEYS = {"hours", "to", "note"}
SLA_TARGET_KEYS = {"first_response_hours", "resolution_hours"}
# A template a rule may send: shared with the desk or a team, and approved by a manager.
APPROVED_TEMPLATE = {
    "approval_status": ApprovalStatus.APPROVED,
    "scope__in": (TemplateScope.TENANT, TemplateScope.TEAM),
}


class MissingReference(LookupError):
    """An action names a row of the tenant that is gone (deleted, deactivated)."""


@dataclass(frozen=True)
class Action:
    label: object  # lazy translation
    check: Callable[[object], str]  # "" when the value is right, else what is wrong
    run: Callable[[Ticket, object, str], None]  # (ticket, value, the trigger's name)
    model: type[Model] | None = None  # the value is an id of this model in the tenant
    where: dict = field(default_factory=dict)  # ... among its rows that match this


def _choice(values) -> Callable[[object], str]:
    return lambda value: "" if value in values else str(_("Unknown value."))


def _an_id(value) -> str:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return "" if ok else _("Give an id.")


def _words(value) -> str:
    if not isinstance(value, list) or not value:
        return _("Give a non-empty list.")
    if not all(isinstance(v, str) and v.strip() and len(v) <= 50 for v in value):
        return _("Give words of up to 50 characters.")
    return ""


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        return _("Give a text.")
    return "" if len(value) <= MAX_TEXT else _("Keep it to 2,000 characters.")


def _notice(value) -> str:
    if not isinstance(value, dict) or set(value) - {"to", "text"}:
        return _('Give {"to": …, "text": …}.')
    to = value.get("to")
    if to not in NOTIFY_TO and _an_id(to):
        return _("Send it to the assignee, the team lead, the managers or a member's id.")
    return _text(value.get("text"))


def _hours(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_HOURS


def _follow_up_value(value) -> str:
    if not isinstance(value, dict) or set(value) - FOLLOW_UP_KEYS or "hours" not in value:
        return _('Give {"hours": …, "to": …, "note": …}.')
    if not _hours(value["hours"]):
        return _("Give the hours as a whole number from 1 to 8760.")
    to = value.get("to", "team_lead")
    if to != "team_lead" and _an_id(to):
        return _("Give it to the team lead or a member's id.")
    note = value.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_TEXT:
        return _("Keep the note to a text of up to 2,000 characters.")
    return ""


def _sla_target_value(value) -> str:
    if not isinstance(value, dict) or not value or set(value) - SLA_TARGET_KEYS:
        return _('Give {"resolution_hours": …} and/or {"first_response_hours": …}.')
    if not all(_hours(hours) for hours in value.values()):
        return _("Give the hours as a whole number from 1 to 8760.")
    return ""


def _optional_text(value) -> str:
    if value is None or value == "":
        return ""
    return _text(value)


def _nothing(value) -> str:
    return "" if value in (None, "") else _("This action takes no value.")


def _row(model: type[Model], ticket: Ticket, pk: int, **where) -> Model:
    row = model.objects.filter(tenant_id=ticket.tenant_id, pk=pk, **where).first()
    if row is None:
        raise MissingReference(f"{model._meta.verbose_name} {pk}")
    return row


def _notify(ticket: Ticket, value: dict, trigger: str) -> None:
    to = value["to"]
    if to == "assignee":
        recipients = [ticket.assignee] if ticket.assignee_id else []
    elif to == "team_lead":
        recipients = [ticket.team.lead] if ticket.team_id and ticket.team.lead_id else []
    elif to == "managers":
        recipients = list(tenant_managers())
    else:
        recipients = [_row(Membership, ticket, to, is_active=True)]
    notices = []
    for recipient in recipients:
        with override(recipient.user.language or ticket.tenant.default_language):
            text = _("Ticket #%(number)s (%(trigger)s): %(text)s") % {
                "number": ticket.number,
                "trigger": trigger,
                "text": value["text"],
            }
        notices.append((recipient, text, f"/tickets/{ticket.number}/"))
    notify_many(notices)


def _template(ticket: Ticket, pk: int) -> ReplyTemplate:
    """An approved shared template; one changed since (waiting for approval again) counts as
    gone, so the rule is switched off rather than sending unapproved text."""
    return _row(ReplyTemplate, ticket, pk, **APPROVED_TEMPLATE)


def _email_customer(ticket: Ticket, pk: int, _trigger: str) -> None:
    """A public reply from the desk with the filled template: the customer's reply e-mail
    is then owed and sent once after the commit, as for an agent's reply."""
    text = reply_template_fill(text=_template(ticket, pk).body, ticket=ticket, agent=None)
    tickets.ticket_reply(ticket=ticket, actor=None, body=text)


def _apply_macro(ticket: Ticket, pk: int, _trigger: str) -> None:
    reply_template_apply(ticket=ticket, template=_template(ticket, pk), actor=None)


def _follow_up(ticket: Ticket, value: dict, trigger: str) -> None:
    to = value.get("to", "team_lead")
    if to == "team_lead":
        assignee = responsible_lead(ticket)
    else:
        assignee = _row(Membership, ticket, to, is_active=True)
    follow_up_schedule(
        ticket=ticket,
        actor=None,
        assignee=assignee,
        due_at=timezone.now() + timedelta(hours=value["hours"]),
        channel=FollowUpChannel.PHONE,
        notes=value.get("note", "") or trigger,
        kind=FollowUpKind.TASK,
    )


def _hours_value(value) -> str:
    return "" if _hours(value) else _("Give the hours as a whole number from 1 to 8760.")


def _sla_target(ticket: Ticket, value: dict, _trigger: str) -> None:
    first, resolution = value.get("first_response_hours"), value.get("resolution_hours")
    sla_target_override(
        ticket=ticket,
        first_response_minutes=first * 60 if first else None,
        resolution_minutes=resolution * 60 if resolution else None,
    )


def _webhook(ticket: Ticket, value, trigger: str) -> None:
    """Only the tenant's own subscriptions to ``trigger.fired`` are called (signed, retried,
    pinned as every webhook): a rule never names a URL."""
    payload = {"ticket": {"id": ticket.pk, "number": ticket.number}, "trigger": trigger}
    if value:
        payload["note"] = value
    webhook_emit(tenant=ticket.tenant_id, event="trigger.fired", payload=payload)


def _assign_round_robin(ticket: Ticket, pk: int, _trigger: str) -> None:
    member = round_robin_next(_row(Team, ticket, pk))
    if member is not None and member.pk != ticket.assignee_id:
        tickets.ticket_assign(ticket=ticket, actor=None, assignee=member)


@transaction.atomic
def round_robin_next(team: Team) -> Membership | None:
    """The team's next active member after the one given the last ticket (by id, wrapping),
    now recorded as given it; None for a team without one. The team's pointer row is locked
    (PostgreSQL), so two tickets at once go to two members."""
    pointer, _created = RoundRobin.objects.select_for_update().get_or_create(
        team=team, defaults={"tenant_id": team.tenant_id}
    )
    members = team.members.filter(is_active=True, role__in=ROUTABLE_ROLES).order_by("pk")
    last = pointer.last_member_id or 0
    member = members.filter(pk__gt=last).first() or members.first()
    if member is not None:
        pointer.last_member = member
        pointer.save(update_fields=["last_member"])
    return member


def _escalate(ticket: Ticket, reason: str, trigger: str) -> None:
    """Recorded once per ticket with the lead (or managers) told; a ticket nobody has yet goes
    to a certified senior of its team, else its lead, as an escalation."""
    escalation_record_rule(ticket=ticket, reasons=[reason])
    if ticket.assignee_id is None:
        tickets.ticket_route(ticket=ticket, senior_only=True)


def _team_from_category(ticket: Ticket, _value, _trigger: str) -> None:
    """The team its category names (自动派单 by category); a category without one: no change."""
    if ticket.category_id and ticket.category.team_id:
        team = _row(Team, ticket, ticket.category.team_id)
        tickets.ticket_change_team(ticket=ticket, actor=None, team=team)


def _assign_by_router(ticket: Ticket, _value, _trigger: str) -> None:
    """The skill-and-load router of the ticket's team; nobody qualifying leaves it as it is."""
    member = pick_assignee(ticket=ticket)
    if member is not None and member.pk != ticket.assignee_id:
        tickets.ticket_assign(ticket=ticket, actor=None, assignee=member)


ACTIONS: dict[str, Action] = {
    "set_status": Action(
        gettext_lazy("Set the status"),
        _choice(Status.values),
        lambda t, v, _n: tickets.ticket_change_status(ticket=t, actor=None, status=v),
    ),
    "set_priority": Action(
        gettext_lazy("Set the priority"),
        _choice(Priority.values),
        lambda t, v, _n: tickets.ticket_change_priority(ticket=t, actor=None, priority=v),
    ),
    "set_category": Action(
        gettext_lazy("Set the category"),
        _an_id,
        lambda t, v, _n: tickets.ticket_change_category(
            ticket=t, actor=None, category=_row(Category, t, v)
        ),
        Category,
    ),
    "set_team": Action(
        gettext_lazy("Give it to a team"),
        _an_id,
        lambda t, v, _n: tickets.ticket_change_team(ticket=t, actor=None, team=_row(Team, t, v)),
        Team,
    ),
    "team_from_category": Action(
        gettext_lazy("Give it to its category's team"), _nothing, _team_from_category
    ),
    "set_assignee": Action(
        gettext_lazy("Assign it to an agent"),
        _an_id,
        lambda t, v, _n: tickets.ticket_assign(
            ticket=t, actor=None, assignee=_row(Membership, t, v, is_active=True)
        ),
        Membership,
    ),
    "add_tags": Action(
        gettext_lazy("Add tags"),
        _words,
        lambda t, v, _n: tickets.ticket_change_tags(
            ticket=t, actor=None, add=[w.strip() for w in v]
        ),
    ),
    "remove_tags": Action(
        gettext_lazy("Remove tags"),
        _words,
        lambda t, v, _n: tickets.ticket_change_tags(ticket=t, actor=None, remove=v),
    ),
    "add_note": Action(
        gettext_lazy("Add an internal note"),
        _text,
        lambda t, v, _n: tickets.ticket_reply(ticket=t, actor=None, body=v, internal=True),
    ),
    "notify": Action(gettext_lazy("Notify"), _notice, _notify),
    "escalate": Action(gettext_lazy("Escalate with a reason"), _text, _escalate),
    "email_customer": Action(
        gettext_lazy("E-mail the customer a reply template"),
        _an_id,
        _email_customer,
        ReplyTemplate,
        APPROVED_TEMPLATE,
    ),
    "apply_macro": Action(
        gettext_lazy("Apply a macro"), _an_id, _apply_macro, ReplyTemplate, APPROVED_TEMPLATE
    ),
    "follow_up": Action(gettext_lazy("Create a follow-up task"), _follow_up_value, _follow_up),
    "improvement_deadline": Action(
        gettext_lazy("Give the team lead the improvement deadline (hours)"),
        _hours_value,
        lambda t, v, n: improvement_deadline_open(ticket=t, hours=v, note=n),
    ),
    "sla_target": Action(
        gettext_lazy("Set the ticket's SLA target"), _sla_target_value, _sla_target
    ),
    "webhook": Action(gettext_lazy("Call the webhooks"), _optional_text, _webhook),
    "assign_round_robin": Action(
        gettext_lazy("Assign in turn within a team"), _an_id, _assign_round_robin, Team
    ),
    "assign_by_router": Action(
        gettext_lazy("Assign by skill and load"), _nothing, _assign_by_router
    ),
}


_NO_ID = gettext_lazy("Nothing of this desk has this id.")
_NO_TEMPLATE = gettext_lazy("No approved shared reply template of this desk has this id.")
_MISSING = {"email_customer": _NO_TEMPLATE, "apply_macro": _NO_TEMPLATE}


def _member_named(kind: str, value) -> int | None:
    """The member id a notice or follow-up names, if it names one rather than a role."""
    if kind in ("notify", "follow_up") and not isinstance(value.get("to", ""), str):
        return value["to"]
    return None


def check_actions(definition: object, *, tenant_id: int | None = None) -> list[dict]:
    """The actions, normalised, or ``DefinitionError`` naming each offending path. With
    ``tenant_id``, every id an action names must be a row of that tenant."""
    if not isinstance(definition, list) or not definition:
        raise DefinitionError({"actions": _("Give at least one action.")})
    errors: dict[str, str] = {}
    normalised = []
    for index, item in enumerate(definition):
        path = f"actions[{index}]"
        if not isinstance(item, dict) or set(item) - {"type", "value"}:
            errors[path] = _('Give {"type": …, "value": …}.')
            continue
        action = ACTIONS.get(item.get("type"))
        if action is None:
            errors[f"{path}.type"] = _("Unknown action.")
            continue
        value = item.get("value")
        problem = action.check(value)
        if not problem and action.model is not None and tenant_id is not None:
            rows = action.model.objects.filter(tenant_id=tenant_id, pk=value, **action.where)
            problem = "" if rows.exists() else _MISSING.get(item["type"], _NO_ID)
        member = _member_named(item["type"], value) if not problem else None
        if member is not None and tenant_id is not None:
            exists = Membership.objects.filter(tenant_id=tenant_id, pk=member).exists()
            problem = "" if exists else _NO_ID
        if problem:
            errors[f"{path}.value"] = str(problem)
            continue
        normalised.append({"type": item["type"], "value": value})
    if errors:
        raise DefinitionError(errors)
    return normalised


def run_action(ticket: Ticket, action: dict, trigger: str) -> None:
    ACTIONS[action["type"]].run(ticket, action["value"], trigger)
