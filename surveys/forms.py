from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from customers.models import Tier
from helpdesk.models import Membership

from .models import (
    DIMENSIONS,
    LABEL_LANGUAGES,
    QUESTION_LABELS,
    FollowUpChannel,
    FollowUpOutcome,
    FollowUpStatus,
    SurveyResponse,
    SurveySettings,
)

OVERALL_CHOICES = [
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · Neutral")),
    (2, _("2 · Dissatisfied")),
    (1, _("1 · Very dissatisfied")),
]
RATING_CHOICES = [
    (5, _("5 · Excellent")),
    (4, _("4 · Good")),
    (3, _("3 · Fair")),
    (2, _("2 · Poor")),
    (1, _("1 · Very poor")),
]
NPS_CHOICES = [(n, str(n)) for n in range(11)]


def _rating_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


def _label_language() -> str:
    return "zh-hans" if (get_language() or "").startswith("zh") else "en"


class SurveyForm(forms.Form):
    """The customer's survey. Every rating is a radio group (a fieldset with its legend), so
    it is usable with the keyboard and a screen reader; only the overall rating is required."""

    overall = forms.TypedChoiceField(choices=OVERALL_CHOICES, coerce=int, widget=forms.RadioSelect)
    response_speed = _rating_field()
    resolution = _rating_field()
    professionalism = _rating_field()
    product = _rating_field()
    nps = forms.TypedChoiceField(
        choices=NPS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "nps-scale"}),
        help_text=_("0 = not at all likely, 10 = extremely likely"),
    )
    comment = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    not_solved = forms.BooleanField(required=False)

    def __init__(self, *args, settings: SurveySettings, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels are questions
        super().__init__(*args, **kwargs)
        language = _label_language()
        for name, field in self.fields.items():
            field.label = settings.label(name, language)

    @classmethod
    def initial_from(cls, response: SurveyResponse | None) -> dict:
        if response is None:
            return {}
        names = ("overall", *DIMENSIONS, "nps", "comment", "not_solved")
        return {name: getattr(response, name) for name in names}


class FollowUpScheduleForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("Due at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=FollowUpChannel.choices)
    # Declared empty: a scoped manager cannot be read at import time.
    assignee = forms.ModelChoiceField(
        label=_("Who calls"), queryset=Membership.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(is_active=True).select_related("user")
        self.fields["assignee"].queryset = members.order_by("user__email")


class FollowUpLogForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (FollowUpStatus.DONE, _("Done")),
            (FollowUpStatus.MISSED, _("Missed")),
            (FollowUpStatus.CANCELLED, _("Cancel")),
        ]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *FollowUpOutcome.choices], required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SurveySettingsForm(forms.ModelForm):
    call_tier_codes = forms.MultipleChoiceField(
        label=_("Tiers that get a follow-up call after resolution"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SurveySettings
        fields = [
            "weight_response_speed",
            "weight_resolution",
            "weight_professionalism",
            "weight_product",
            "reminder_after_days",
            "edit_window_hours",
            "invitation_expiry_days",
            "call_tier_codes",
            "follow_up_hours",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_tier_codes"].choices = [
            (tier.code, tier.name) for tier in Tier.objects.all()
        ]
        labels = self.instance.question_labels or {}
        for question, default in QUESTION_LABELS.items():
            for language in LABEL_LANGUAGES:
                self.fields[self.label_field(question, language)] = forms.CharField(
                    label=f"{default} ({'中文' if language == 'zh-hans' else 'English'})",
                    required=False,
                    max_length=300,
                    initial=labels.get(question, {}).get(language, ""),
                    help_text=_("Empty: the built-in wording."),
                )

    @staticmethod
    def label_field(question: str, language: str) -> str:
        return f"label_{question}_{language.replace('-', '_')}"

    def label_fields(self):
        """The label fields, for the template's own fieldset."""
        return [self[name] for name in self.fields if name.startswith("label_")]

    def model_fields(self):
        return [self[name] for name in self.Meta.fields]

    def clean(self):
        data = super().clean()
        weights = [data.get(f"weight_{name}") for name in DIMENSIONS]
        if any(w is not None and w < 0 for w in weights):
            raise forms.ValidationError(_("Weights cannot be negative."))
        if all(w is not None for w in weights) and sum(weights) <= 0:
            raise forms.ValidationError(_("At least one weight must be above 0."))
        expiry, reminder = data.get("invitation_expiry_days"), data.get("reminder_after_days")
        if expiry is not None and expiry < 1:
            self.add_error("invitation_expiry_days", _("Links must stay valid at least a day."))
        if expiry and reminder is not None and not 1 <= reminder < expiry:
            self.add_error(
                "reminder_after_days", _("The reminder must go out before the link expires.")
            )
        if data.get("follow_up_hours") == 0:
            self.add_error("follow_up_hours", _("Give at least one hour."))
        return data

    def settings_values(self) -> dict:
        """The cleaned values as ``surveys.services.survey_settings_update`` takes them."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        labels: dict[str, dict[str, str]] = {}
        for question in QUESTION_LABELS:
            for language in LABEL_LANGUAGES:
                text = self.cleaned_data.get(self.label_field(question, language), "").strip()
                if text:
                    labels.setdefault(question, {})[language] = text
        values["question_labels"] = labels
        return values
