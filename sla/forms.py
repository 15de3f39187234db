from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from products.entitlement import Kind
from tickets.models import Category, Priority

from .models import WEEKDAY_NAMES, Calendar, Holiday, SlaPolicy

# What a ticket's unit is entitled to (products.entitlement.Kind), as a policy matches it.
ENTITLEMENT_CHOICES = [
    (Kind.NO_UNIT, _("No unit named")),
    (Kind.IN_WARRANTY, _("In warranty")),
    (Kind.OUT_OF_WARRANTY, _("Out of warranty")),
    (Kind.CONTRACT, _("Under a service contract")),
]


class PolicyForm(forms.ModelForm):
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any priority."),
    )
    # Declared with empty querysets: a scoped manager cannot be read at import time.
    tiers = forms.ModelMultipleChoiceField(
        label=_("Customer tiers"),
        queryset=Tier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    entitlements = forms.MultipleChoiceField(
        label=_("Entitlements"),
        choices=ENTITLEMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any entitlement."),
    )
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=Calendar.objects.none())

    class Meta:
        model = SlaPolicy
        fields = list(SlaPolicy.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].queryset = Tier.objects.all()
        self.fields["categories"].queryset = Category.objects.all()
        self.fields["calendar"].queryset = Calendar.objects.all()
        self.fields["tiers"].help_text = _("None ticked: any tier.")
        self.fields["categories"].help_text = _("None ticked: any category.")


def _parse_intervals(text: str) -> list[list[str]]:
    """``09:00-12:00, 13:00-18:00`` → ``[["09:00", "12:00"], ["13:00", "18:00"]]``."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        try:
            opens, closes = (time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError as error:
            raise forms.ValidationError(
                _("Write intervals like 09:00-12:00, 13:00-18:00.")
            ) from error
        if opens == closes:
            raise forms.ValidationError(_("An interval cannot open and close at the same time."))
        intervals.append([opens.strftime("%H:%M"), closes.strftime("%H:%M")])
    return intervals


class CalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = ["name", "time_zone", "is_24x7"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = self.instance.opening_hours or {}
        for day, label in enumerate(WEEKDAY_NAMES):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                initial=", ".join(f"{a}-{b}" for a, b in hours.get(str(day), [])),
                help_text=_(
                    "e.g. 09:00-12:00, 13:00-18:00; empty = closed; 22:00-06:00 runs overnight"
                ),
            )

    def clean(self):
        cleaned = super().clean()
        hours = {}
        for day in range(7):
            try:
                intervals = _parse_intervals(cleaned.get(f"day_{day}", ""))
            except forms.ValidationError as error:
                self.add_error(f"day_{day}", error)
                continue
            if intervals:
                hours[str(day)] = intervals
        if not hours and not cleaned.get("is_24x7"):
            raise forms.ValidationError(
                _("Open the calendar on at least one day, or make it 24×7.")
            )
        self.instance.opening_hours = hours
        return cleaned


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["date", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class LoadHolidaysForm(forms.Form):
    country = forms.CharField(label=_("Country code"), max_length=3, initial="CN")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class PreviewForm(forms.Form):
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    tier = forms.ModelChoiceField(
        label=_("Customer tier"), queryset=Tier.objects.none(), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.all()
        self.fields["category"].queryset = Category.objects.all()


class EscalationRulesForm(forms.ModelForm):
    class Meta:
        from .models import EscalationRules

        model = EscalationRules
        fields = ["repeat_complaint_days"]
