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
from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from automations.conditions import DefinitionError
from helpdesk.models import Membership, Team
from helpdesk.notifications import notify_many
from helpdesk.selectors import tenant_managers
from sla.services import escalation_record_rule
from tickets import services as tickets
from tickets.models import Category, Priority, Status, Ticket

MAX_TEXT = 2000
NOTIFY_TO = ("assignee", "team_lead", "managers")


class MissingReference(LookupError):
    """An action names a row of the tenant that is gone (deleted, deactivated)."""


@dataclass(frozen=True)
class Action:
    label: object  # lazy translation
    check: Callable[[object], str]  # "" when the value is right, else what is wrong
    run: Callable[[Ticket, object, str], None]  # (ticket, value, the trigger's name)
    model: type[Model] | None = None  # the value is an id of this model in the tenant


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


def _row(model: type[Model], ticket: Ticket, pk: int, **where) -> Model:
    row = model.objects.filter(tenant_id=ticket.tenant_id, pk=pk, **where).first()
    if row is None:
        raise MissingReference(f"{model._meta.verbose_name} {pk}")
    return row


def _set_tags(ticket: Ticket, add: list[str] = (), remove: list[str] = ()) -> None:
    current = set(ticket.tags.values_list("name", flat=True))
    removed = {name.casefold() for name in remove}
    names = {name for name in current if name.casefold() not in removed} | set(add)
    if names != current:
        tickets.ticket_set_tags(ticket=ticket, actor=None, names=sorted(names))


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
    "set_assignee": Action(
        gettext_lazy("Assign it to an agent"),
        _an_id,
        lambda t, v, _n: tickets.ticket_assign(
            ticket=t, actor=None, assignee=_row(Membership, t, v, is_active=True)
        ),
        Membership,
    ),
    "add_tags": Action(
        gettext_lazy("Add tags"), _words, lambda t, v, _n: _set_tags(t, add=[w.strip() for w in v])
    ),
    "remove_tags": Action(
        gettext_lazy("Remove tags"), _words, lambda t, v, _n: _set_tags(t, remove=v)
    ),
    "add_note": Action(
        gettext_lazy("Add an internal note"),
        _text,
        lambda t, v, _n: tickets.ticket_reply(ticket=t, actor=None, body=v, internal=True),
    ),
    "notify": Action(gettext_lazy("Notify"), _notice, _notify),
    "escalate": Action(
        gettext_lazy("Escalate with a reason"),
        _text,
        lambda t, v, n: escalation_record_rule(ticket=t, reasons=[f"{n}: {v}"]),
    ),
}


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
            exists = action.model.objects.filter(tenant_id=tenant_id, pk=value).exists()
            problem = "" if exists else _("Nothing of this desk has this id.")
        if not problem and item["type"] == "notify" and not isinstance(value["to"], str):
            exists = Membership.objects.filter(tenant_id=tenant_id, pk=value["to"]).exists()
            problem = "" if exists or tenant_id is None else _("Nothing of this desk has this id.")
        if problem:
            errors[f"{path}.value"] = str(problem)
            continue
        normalised.append({"type": item["type"], "value": value})
    if errors:
        raise DefinitionError(errors)
    return normalised


def run_action(ticket: Ticket, action: dict, trigger: str) -> None:
    ACTIONS[action["type"]].run(ticket, action["value"], trigger)
