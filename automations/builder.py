"""The rule builder's rows: what an admin types in the settings pages, turned into a checked
definition (``automations.conditions``, ``automations.actions``) and back.

Rows name things as people do: a team, a category or an organisation by its name, an agent by
e-mail address, a tier by its code, several values separated by commas. The definition stores
ids, so renaming a team keeps the rule working; the rows show the current names again.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from automations.actions import ACTIONS, NOTIFY_TO
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

    def id_of(self, name: str) -> int:
        row = self.model.objects.filter(**{f"{self.name_field}__iexact": name.strip()}).first()
        if row is None:
            raise RowError(_("Nothing here is called “%(name)s”.") % {"name": name.strip()})
        return row.pk

    def name_of(self, pk) -> str:
        value = self.model.objects.filter(pk=pk).values_list(self.name_field, flat=True).first()
        return value if value is not None else str(pk)


MEMBER = Lookup(Membership, "user__email")
LOOKUPS = {
    "category": Lookup(Category, "name"),
    "team": Lookup(Team, "name"),
    "assignee": MEMBER,
    "organisation": Lookup(Organization, "name"),
    "set_category": Lookup(Category, "name"),
    "set_team": Lookup(Team, "name"),
    "set_assignee": MEMBER,
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
    return {"type": kind, "value": text.strip()}


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
    return {"type": kind, "value": str(value), "text": ""}
