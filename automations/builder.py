"""The rule builder's rows: what an admin types in the settings pages, turned into a checked
definition (``automations.conditions``, ``automations.actions``) and back.

Rows name things as people do: a team, a category or an organisation by its name, an agent by
e-mail address, a tier by its code, several values separated by commas. The definition stores
ids, so renaming a team keeps the rule working; the rows show the current names again.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from automations.actions import ACTIONS, APPROVED_TEMPLATE, NOTIFY_TO
from automations.conditions import (
    BOOLEAN,
    FIELDS,
    LIST_OPERATORS,
    NO_VALUE_OPERATORS,
    NUMBER,
    REFERENCE,
)
from customers.models import Organization, Tier
from helpdesk.models import Membership, Team
from knowledge.models import ReplyTemplate
from tickets.models import Category

TRUE_WORDS = {"true", "yes", "y", "1", "是", "真"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "假"}


class RowError(ValueError):
    """What is wrong with one row, in the reader's language."""


@dataclass
class Lookup:
    """Name ↔ id of one kind of row of the tenant (scope active)."""

    model: type
    name_field: str
    where: dict = field(default_factory=dict)  # only rows that match this may be named

    def id_of(self, name: str) -> int:
        rows = self.model.objects.filter(**self.where)
        row = rows.filter(**{f"{self.name_field}__iexact": name.strip()}).first()
        if row is None:
            raise RowError(_("Nothing here is called “%(name)s”.") % {"name": name.strip()})
        return row.pk

    def name_of(self, pk) -> str:
        value = self.model.objects.filter(pk=pk).values_list(self.name_field, flat=True).first()
        return value if value is not None else str(pk)


MEMBER = Lookup(Membership, "user__email")
TEAM = Lookup(Team, "name")
TEMPLATE = Lookup(ReplyTemplate, "name", APPROVED_TEMPLATE)
LOOKUPS = {
    "category": Lookup(Category, "name"),
    "team": Lookup(Team, "name"),
    "assignee": MEMBER,
    "organisation": Lookup(Organization, "name"),
    "set_category": Lookup(Category, "name"),
    "set_team": Lookup(Team, "name"),
    "set_assignee": MEMBER,
    "assign_round_robin": TEAM,
    "email_customer": TEMPLATE,
    "apply_macro": TEMPLATE,
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


# --- conditions ----------------------------------------------------------------------------------


def condition_from_row(field: str, operator: str, text: str) -> dict:
    """A condition from a row; ``RowError`` when its value cannot be read. Field and
    operator are checked afterwards with the whole definition."""
    spec = FIELDS.get(field)
    if spec is None or operator in NO_VALUE_OPERATORS:
        return {"field": field, "operator": operator, "value": None}
    parts = _split(text) if operator in LIST_OPERATORS else [text.strip()]
    values = [_read(field, spec.kind, part) for part in parts if part]
    if not values:
        raise RowError(_("Give a value."))
    value = values if operator in LIST_OPERATORS else values[0]
    return {"field": field, "operator": operator, "value": value}


def _read(field: str, kind: str, text: str):
    if kind == NUMBER:
        try:
            number = float(text)
        except ValueError:
            raise RowError(_("“%(value)s” is not a number.") % {"value": text}) from None
        return int(number) if number.is_integer() else number
    if kind == BOOLEAN:
        if text.lower() in TRUE_WORDS:
            return True
        if text.lower() in FALSE_WORDS:
            return False
        raise RowError(_("Say yes or no."))
    if kind == REFERENCE and field == "tier":
        if not Tier.objects.filter(code=text).exists():
            raise RowError(_("No customer tier has the code “%(code)s”.") % {"code": text})
        return text
    if kind == REFERENCE:
        return LOOKUPS[field].id_of(text)
    return text


def condition_to_row(condition: dict) -> dict:
    field, value = condition["field"], condition["value"]
    values = value if isinstance(value, list) else ([] if value is None else [value])
    lookup = LOOKUPS.get(field)
    shown = [lookup.name_of(v) if lookup else _show(v) for v in values]
    return {"field": field, "operator": condition["operator"], "value": ", ".join(shown)}


def _show(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


# --- actions -------------------------------------------------------------------------------------


def action_from_row(kind: str, text: str, message: str) -> dict:
    if kind not in ACTIONS:
        return {"type": kind, "value": text}
    if kind in LOOKUPS:
        return {"type": kind, "value": LOOKUPS[kind].id_of(text)}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "value": _split(text)}
    if kind == "notify":
        to = text.strip()
        if to not in NOTIFY_TO:
            to = MEMBER.id_of(to)
        return {"type": kind, "value": {"to": to, "text": message.strip()}}
    if kind == "follow_up":
        return {"type": kind, "value": _follow_up_from_row(text, message)}
    if kind == "sla_target":
        return {"type": kind, "value": _sla_target_from_row(text)}
    if kind == "improvement_deadline":
        return {"type": kind, "value": _whole_hours(text)}
    return {"type": kind, "value": text.strip()}


def _whole_hours(text: str) -> int:
    hours = _read("", NUMBER, text.lower().removesuffix("h").strip())
    if not isinstance(hours, int):
        raise RowError(_("Give the hours as a whole number from 1 to 8760."))
    return hours


def _follow_up_from_row(text: str, note: str) -> dict:
    """ "72" (the team lead's, in 72 hours) or "72, someone@example.com"; the message is the
    task's note."""
    parts = _split(text)
    if not parts:
        raise RowError(_("Give the hours, and whom to give it to if not the team lead."))
    to = parts[1] if len(parts) > 1 else "team_lead"
    value = {"hours": _whole_hours(parts[0]), "to": to if to == "team_lead" else MEMBER.id_of(to)}
    return {**value, "note": note.strip()} if note.strip() else value


def _sla_target_from_row(text: str) -> dict:
    """ "48" (resolution within 48 hours) or "48, 4" (and the first response within 4)."""
    parts = _split(text)
    if not parts or len(parts) > 2:
        raise RowError(_("Give the resolution hours, then the first response hours if any."))
    value = {"resolution_hours": _whole_hours(parts[0])}
    if len(parts) == 2:
        value["first_response_hours"] = _whole_hours(parts[1])
    return value


def action_to_row(action: dict) -> dict:
    kind, value = action["type"], action["value"]
    if kind in LOOKUPS:
        return {"type": kind, "value": LOOKUPS[kind].name_of(value), "text": ""}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "value": ", ".join(value), "text": ""}
    if kind == "notify":
        to = value["to"]
        return {
            "type": kind,
            "value": to if isinstance(to, str) else MEMBER.name_of(to),
            "text": value["text"],
        }
    if kind == "follow_up":
        to = value.get("to", "team_lead")
        shown = (
            str(value["hours"]) if to == "team_lead" else f"{value['hours']}, {MEMBER.name_of(to)}"
        )
        return {"type": kind, "value": shown, "text": value.get("note", "")}
    if kind == "sla_target":
        hours = [value.get("resolution_hours"), value.get("first_response_hours")]
        return {"type": kind, "value": ", ".join(str(h) for h in hours if h), "text": ""}
    return {"type": kind, "value": "" if value is None else str(value), "text": ""}
