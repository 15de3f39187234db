"""Forms of the report pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from helpdesk.models import Team
from tickets.models import Category, Channel

from .access import ReportAccess
from .models import AssessmentSettings, QualityCriterion
from .selectors import GRANULARITIES


class ReportFilterForm(forms.Form):
    """Only used to render the filter bar; the view reads the values leniently (a bad value
    falls back to the default instead of failing the page)."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(
        label=_("Until (exclusive)"), required=False, widget=forms.DateInput({"type": "date"})
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    granularity = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=list(zip(GRANULARITIES, (_("day"), _("week"), _("month")), strict=True)),
    )

    def __init__(self, *args, access: ReportAccess, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.all()
        if access.teams is not None:
            teams = teams.filter(pk__in=access.teams)
        everything = [("", _("All"))]
        self.fields["team"].choices = everything + [(t.pk, t.name) for t in teams]
        self.fields["category"].choices = everything + list(
            Category.objects.values_list("pk", "name")
        )
        self.fields["tier"].choices = everything + list(Tier.objects.values_list("pk", "name"))
        self.fields["channel"].choices = everything + list(Channel.choices)
        if access.agent is not None:
            del self.fields["team"]


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"), required=False, widget=forms.TextInput({"type": "month"})
    )


class AssessmentSettingsForm(forms.ModelForm):
    class Meta:
        model = AssessmentSettings
        fields = [
            "weight_satisfaction",
            "weight_resolution_rate",
            "weight_response_time",
            "weight_record_accuracy",
            "response_target_minutes",
            "star_min_tickets",
        ]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = QualityCriterion
        fields = ["name", "weight", "max_score", "is_record_accuracy"]


class QualityCheckForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, criteria: list[QualityCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=criterion.name,
                min_value=0,
                max_value=criterion.max_score,
                help_text=_("0 to %(max)s") % {"max": criterion.max_score},
            )
        self.order_fields([f"criterion_{c.pk}" for c in criteria] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class RootCauseNoteForm(forms.Form):
    month = forms.CharField(widget=forms.HiddenInput)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    text = forms.CharField(label=_("Root cause and action"), widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
