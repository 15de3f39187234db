"""Forms of the rule builder: the rule's own fields, and rows of conditions and actions (one
row each, as many as there are plus blank ones to add)."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from automations.actions import ACTIONS
from automations.conditions import FIELDS, OPERATORS
from automations.models import TriggerEvent

OPERATOR_LABELS = {
    "is": _("is"),
    "is_not": _("is not"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "is_empty": _("is empty"),
    "is_set": _("is set"),
    "contains_any": _("contains any of"),
    "contains_all": _("contains all of"),
    "contains_none": _("contains none of"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "starts_with": _("starts with"),
    "eq": _("="),
    "ne": _("≠"),
    "lt": _("<"),
    "lte": _("≤"),
    "gt": _(">"),
    "gte": _("≥"),
}
ALL_OPERATORS = list(dict.fromkeys(op for ops in OPERATORS.values() for op in ops))
BLANK_ROWS = 2


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    event = forms.ChoiceField(label=_("Runs when"), choices=TriggerEvent.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    stop_processing = forms.BooleanField(
        label=_("Stop processing further triggers when it fires"), required=False
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=100_000, initial=100)

    def __init__(self, *args, timed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if timed:  # an automation runs on the sweep, not on an event
            del self.fields["event"]
            del self.fields["stop_processing"]


class ConditionRowForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"),
        required=False,
        choices=[("", "—"), *((name, spec.label) for name, spec in FIELDS.items())],
    )
    operator = forms.ChoiceField(
        label=_("Operator"),
        required=False,
        choices=[(op, OPERATOR_LABELS[op]) for op in ALL_OPERATORS],
    )
    value = forms.CharField(label=_("Value"), required=False, max_length=2000)


class ActionRowForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", "—"), *((name, action.label) for name, action in ACTIONS.items())],
    )
    value = forms.CharField(label=_("Value"), required=False, max_length=2000)
    text = forms.CharField(label=_("Message (notify, note)"), required=False, max_length=2000)


ConditionRows = formset_factory(ConditionRowForm, extra=BLANK_ROWS)
ActionRows = formset_factory(ActionRowForm, extra=BLANK_ROWS)
