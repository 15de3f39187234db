"""Conditions of a trigger or automation: what they may say, checking a definition, and
deciding whether a ticket matches. Pure: no database; the facts come from ``automations.facts``.

A definition is ``{"all": [condition, …], "any": [condition, …]}``: every condition of
``all`` must hold and, when ``any`` is not empty, at least one of ``any``. A condition is
``{"field": …, "operator": …, "value": …}``; the field's kind says which operators and values
it takes (``FIELDS``).

Text is matched as Chinese needs it: a case-folded substring, no word boundaries assumed, so
"漏水" is found in "洗衣机漏水了" and "e4" in "Error E4".
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from products.entitlement import Kind
from sla.models import Colour
from tickets.models import Channel, Priority, Status

# --- what a condition may say --------------------------------------------------------------------

CHOICE, REFERENCE, TAGS, TEXT, NUMBER, BOOLEAN = (
    "choice",
    "reference",
    "tags",
    "text",
    "number",
    "boolean",
)

OPERATORS: dict[str, tuple[str, ...]] = {
    CHOICE: ("is", "is_not", "in", "not_in"),
    REFERENCE: ("is", "is_not", "in", "not_in", "is_empty", "is_set"),
    TAGS: ("contains_any", "contains_all", "contains_none"),
    TEXT: ("contains", "not_contains", "contains_any", "contains_none", "is", "starts_with"),
    NUMBER: ("eq", "ne", "lt", "lte", "gt", "gte"),
    BOOLEAN: ("is",),
}
# Operators whose value is a list (of choices, ids or words), and those that take none.
LIST_OPERATORS = frozenset({"in", "not_in", "contains_any", "contains_all", "contains_none"})
NO_VALUE_OPERATORS = frozenset({"is_empty", "is_set"})


@dataclass(frozen=True)
class Field:
    kind: str
    label: object  # lazy translation
    choices: tuple[str, ...] = ()  # a CHOICE field's allowed values


FIELDS: dict[str, Field] = {}


def field(name: str, kind: str, label, choices: tuple[str, ...] = ()) -> None:
    FIELDS[name] = Field(kind, label, choices)


# What every definition may name; ``automations.facts`` reads each of them off a ticket.
field("status", CHOICE, _("Status"), tuple(Status.values))
field("priority", CHOICE, _("Priority"), tuple(Priority.values))
field("channel", CHOICE, _("Channel"), tuple(Channel.values))
field("language", CHOICE, _("Customer's language"), tuple(code for code, _n in settings.LANGUAGES))
field("sla_state", CHOICE, _("SLA state"), tuple(Colour.values))
field("entitlement", CHOICE, _("Warranty / entitlement"), Kind.CHOICES)
field("category", REFERENCE, _("Category"))
field("team", REFERENCE, _("Team"))
field("assignee", REFERENCE, _("Assignee"))
field("tier", REFERENCE, _("Customer tier"))
field("organisation", REFERENCE, _("Organisation"))
field("tags", TAGS, _("Tags"))
field("subject", TEXT, _("Subject"))
field("description", TEXT, _("Description"))
field("message", TEXT, _("The message that fired it"))
field("subject_or_text", TEXT, _("Subject, description or message"))
field("reopens", NUMBER, _("Times reopened"))
field("survey_score", NUMBER, _("Survey score"))
field("hours_since_created", NUMBER, _("Hours since created"))
field("hours_since_updated", NUMBER, _("Hours since updated"))
field("hours_since_customer_message", NUMBER, _("Hours since the customer's last message"))
field("within_business_hours", BOOLEAN, _("Within business hours"))
field("is_vip", BOOLEAN, _("Priority-service customer"))
field("bad_survey", BOOLEAN, _("A bad survey (score ≤ 2, NPS ≤ 6 or not solved)"))
field("is_complaint", BOOLEAN, _("A complaint (the category is a complaint category)"))
field("repeat_complaint", BOOLEAN, _("The customer complained before within the repeat window"))


# --- checking a definition ------------------------------------------------------------------------


class DefinitionError(ValueError):
    """A definition that cannot run: ``errors`` maps each offending path (``all[0].value``)
    to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors.items()))
        self.errors = errors


def check_conditions(
    definition: object, *, fields: Mapping[str, Field] | None = None, prefix: str = "conditions"
) -> dict:
    """The definition, normalised (``{"all": [...], "any": [...]}``), or ``DefinitionError``
    naming every offending path under ``prefix``."""
    fields = FIELDS if fields is None else fields
    errors: dict[str, str] = {}
    if definition in (None, ""):
        definition = {}
    if not isinstance(definition, dict):
        raise DefinitionError({prefix: str(_('Give {"all": [...], "any": [...]}.'))})
    unknown = set(definition) - {"all", "any"}
    for key in sorted(unknown):
        errors[f"{prefix}.{key}"] = str(_("Only all and any are allowed here."))
    normalised: dict[str, list] = {"all": [], "any": []}
    for group in ("all", "any"):
        items = definition.get(group, [])
        if not isinstance(items, list):
            errors[f"{prefix}.{group}"] = str(_("Give a list of conditions."))
            continue
        for index, item in enumerate(items):
            path = f"{prefix}.{group}[{index}]"
            checked = _check_one(item, path, fields, errors)
            if checked is not None:
                normalised[group].append(checked)
    if errors:
        raise DefinitionError(errors)
    return normalised


def _check_one(item: object, path: str, fields: Mapping[str, Field], errors: dict) -> dict | None:
    if not isinstance(item, dict):
        errors[path] = str(_("Give a condition: field, operator and value."))
        return None
    name, operator = item.get("field"), item.get("operator")
    spec = fields.get(name) if isinstance(name, str) else None
    if spec is None:
        errors[f"{path}.field"] = str(_("Unknown field."))
        return None
    if operator not in OPERATORS[spec.kind]:
        errors[f"{path}.operator"] = str(_("This field does not take this operator."))
        return None
    value = item.get("value")
    problem = _value_problem(spec, operator, value)
    if problem:
        errors[f"{path}.value"] = problem
        return None
    if spec.kind == TEXT:
        value = [w.strip() for w in value] if isinstance(value, list) else value.strip()
    return {"field": name, "operator": operator, "value": value}


def _value_problem(spec: Field, operator: str, value: object) -> str:
    if operator in NO_VALUE_OPERATORS:
        return "" if value in (None, "", []) else str(_("This operator takes no value."))
    if operator in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            return str(_("Give a non-empty list."))
        return next((p for p in (_scalar_problem(spec, v) for v in value) if p), "")
    return _scalar_problem(spec, value)


def _scalar_problem(spec: Field, value: object) -> str:
    if spec.kind == NUMBER:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return "" if number else str(_("Give a number."))
    if spec.kind == BOOLEAN:
        return "" if isinstance(value, bool) else str(_("Give true or false."))
    if spec.kind == REFERENCE:
        ok = (isinstance(value, int) and not isinstance(value, bool) and value > 0) or (
            isinstance(value, str) and value.strip()
        )
        return "" if ok else str(_("Give an id."))
    if not isinstance(value, str) or not value.strip():
        return str(_("Give a text."))
    if len(value) > 200:
        return str(_("Keep it to 200 characters."))
    if spec.kind == CHOICE and spec.choices and value not in spec.choices:
        return str(_("Unknown value."))
    return ""


# --- deciding ------------------------------------------------------------------------------------


def matches(definition: dict, facts: Mapping[str, object]) -> bool:
    """Whether a checked definition holds for ``facts`` (a mapping that may compute each
    fact when first read: a field no condition names costs nothing)."""
    if not all(holds(c, facts[c["field"]]) for c in definition.get("all", ())):
        return False
    alternatives = definition.get("any", ())
    return not alternatives or any(holds(c, facts[c["field"]]) for c in alternatives)


def holds(condition: dict, fact: object) -> bool:
    operator, value = condition["operator"], condition["value"]
    test = _TESTS.get(operator)
    if test is None:
        return False
    if isinstance(fact, str) and FIELDS[condition["field"]].kind == TEXT:
        return test(_fold(fact), _fold_value(value))
    return test(fact, value)


def _fold(text: str) -> str:
    return text.casefold()


def _fold_value(value):
    return [_fold(v) for v in value] if isinstance(value, list) else _fold(str(value))


def _same(fact, value) -> bool:
    """References compare as text: an id sent as 7 or "7", a tier as its code."""
    if fact is None:
        return False
    return str(fact) == str(value)


def _in(fact, values) -> bool:
    if isinstance(fact, list | tuple | set | frozenset):
        return any(_same(f, v) for f in fact for v in values)
    return any(_same(fact, v) for v in values)


def _number(op: Callable[[float, float], bool]) -> Callable[[object, object], bool]:
    def test(fact, value) -> bool:
        return fact is not None and op(float(fact), float(value))

    return test


def _tags(fact) -> set[str]:
    return {str(tag).casefold() for tag in fact or ()}


_TESTS: dict[str, Callable[[object, object], bool]] = {
    "is": lambda fact, value: (fact is value) if isinstance(value, bool) else _same(fact, value),
    "is_not": lambda fact, value: not _same(fact, value),
    "in": _in,
    "not_in": lambda fact, values: not _in(fact, values),
    "is_empty": lambda fact, _value: fact in (None, "", [], ()),
    "is_set": lambda fact, _value: fact not in (None, "", [], ()),
    "contains_any": lambda fact, values: (
        bool(_tags(fact) & {str(v).casefold() for v in values})
        if not isinstance(fact, str)
        else any(v in fact for v in values)
    ),
    "contains_all": lambda fact, values: {str(v).casefold() for v in values} <= _tags(fact),
    "contains_none": lambda fact, values: (
        not (_tags(fact) & {str(v).casefold() for v in values})
        if not isinstance(fact, str)
        else not any(v in fact for v in values)
    ),
    "contains": lambda fact, value: value in fact,
    "not_contains": lambda fact, value: value not in fact,
    "starts_with": lambda fact, value: fact.startswith(value),
    "eq": _number(lambda a, b: a == b),
    "ne": _number(lambda a, b: a != b),
    "lt": _number(lambda a, b: a < b),
    "lte": _number(lambda a, b: a <= b),
    "gt": _number(lambda a, b: a > b),
    "gte": _number(lambda a, b: a >= b),
}
