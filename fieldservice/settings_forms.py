"""Forms of the field-service settings: the promises in hours and days (stored in minutes),
and technicians' profiles."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldservice.models import FieldServiceSettings, TechnicianProfile, WorkOrderStatus
from helpdesk.models import Membership
from sla.models import Calendar

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR
# The depot-repair stages that have an expected duration, in the lifecycle's order.
STAGES = (
    WorkOrderStatus.RECEIVED,
    WorkOrderStatus.DIAGNOSED,
    WorkOrderStatus.WAITING_FOR_PARTS,
    WorkOrderStatus.WAITING_FOR_APPROVAL,
    WorkOrderStatus.REPAIRED,
    WorkOrderStatus.QUALITY_CHECK,
    WorkOrderStatus.SHIPPED_BACK,
)
MODEL_FIELDS = (
    "on_site_minutes",
    "turnaround_minutes",
    "calendar",
    "amber_percent",
    "manager_after_percent",
    "stage_days",
    "send_reminders",
)


def _count(label, maximum: int, **options) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=maximum, **options)


class FieldServiceSettingsForm(forms.Form):
    on_site_hours = _count(_("On site within: hours"), 24 * 60)
    on_site_extra_minutes = _count(_("and minutes"), 59, initial=0)
    turnaround_days = _count(_("Repair turnaround: days"), 365)
    turnaround_hours = _count(_("and hours"), 23, initial=0)
    calendar = forms.ModelChoiceField(
        label=_("Business calendar of the promises"),
        queryset=Calendar.objects.none(),
        required=False,
        empty_label=_("Round the clock, in the desk's time zone"),
    )
    amber_percent = forms.IntegerField(
        label=_("Amber warning at (percent of the target)"), min_value=1, max_value=99
    )
    manager_after_percent = forms.IntegerField(
        label=_("Escalate to the manager after a further (percent of the target)"),
        min_value=1,
        max_value=1000,
    )
    send_reminders = forms.BooleanField(
        label=_("Remind the customer the day before a visit"), required=False
    )

    def __init__(self, *args, instance: FieldServiceSettings, **kwargs):
        kwargs.setdefault("initial", _initial(instance))
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")
        for stage in STAGES:
            self.fields[f"stage_{stage}"] = _count(
                _("Expected days: %(stage)s") % {"stage": WorkOrderStatus(stage).label}, 365
            )

    def clean(self):
        cleaned = super().clean()
        on_site = _minutes(cleaned, "on_site_hours", MINUTES_PER_HOUR, "on_site_extra_minutes", 1)
        if on_site == 0:
            self.add_error("on_site_hours", _("The promise must be longer than zero."))
        turnaround = _minutes(
            cleaned, "turnaround_days", MINUTES_PER_DAY, "turnaround_hours", MINUTES_PER_HOUR
        )
        if turnaround == 0:
            self.add_error("turnaround_days", _("The promise must be longer than zero."))
        return cleaned

    def model_values(self) -> dict:
        """The cleaned values as ``FieldServiceSettings`` fields. Precondition: valid."""
        data = self.cleaned_data
        return {
            "on_site_minutes": _minutes(
                data, "on_site_hours", MINUTES_PER_HOUR, "on_site_extra_minutes", 1
            ),
            "turnaround_minutes": _minutes(
                data, "turnaround_days", MINUTES_PER_DAY, "turnaround_hours", MINUTES_PER_HOUR
            ),
            "calendar": data["calendar"],
            "amber_percent": data["amber_percent"],
            "manager_after_percent": data["manager_after_percent"],
            "stage_days": {stage.value: data[f"stage_{stage}"] for stage in STAGES},
            "send_reminders": data["send_reminders"],
        }


def _minutes(data: dict, big: str, big_minutes: int, small: str, small_minutes: int) -> int:
    return (data.get(big) or 0) * big_minutes + (data.get(small) or 0) * small_minutes


def _initial(settings: FieldServiceSettings) -> dict:
    on_site_hours, on_site_minutes = divmod(settings.on_site_minutes, MINUTES_PER_HOUR)
    turnaround_days, rest = divmod(settings.turnaround_minutes, MINUTES_PER_DAY)
    initial = {
        "on_site_hours": on_site_hours,
        "on_site_extra_minutes": on_site_minutes,
        "turnaround_days": turnaround_days,
        "turnaround_hours": rest // MINUTES_PER_HOUR,
        "calendar": settings.calendar_id,
        "amber_percent": settings.amber_percent,
        "manager_after_percent": settings.manager_after_percent,
        "send_reminders": settings.send_reminders,
    }
    for stage in STAGES:
        initial[f"stage_{stage}"] = (settings.stage_days or {}).get(stage.value, 0)
    return initial


class TechnicianForm(forms.ModelForm):
    # Declared, not derived from the model: the queryset is read in the request's scope.
    calendar = forms.ModelChoiceField(
        label=_("Working calendar"), queryset=Calendar.objects.none(), required=False
    )

    class Meta:
        model = TechnicianProfile
        fields = ("regions", "calendar", "home_base", "is_coordinator", "is_active")
        widgets = {"regions": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")
        self.fields["calendar"].empty_label = _("None: available at any time")
        self.fields["regions"].help_text = _("One region per line, as written on the visits.")


class TechnicianAddForm(TechnicianForm):
    membership = forms.ModelChoiceField(label=_("Member"), queryset=Membership.objects.none())

    class Meta(TechnicianForm.Meta):
        fields = ("membership", *TechnicianForm.Meta.fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (
            Membership.objects.filter(is_active=True, technician_profile__isnull=True)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
