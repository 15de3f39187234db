"""Forms of the agent's work-order pages. Choices are the scope's tenant's rows, set when the
form is built (a class-level queryset would run unscoped). Datetimes are read in the active
time zone: the views run in the tenant's."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldservice.models import WorkOrderKind, WorkOrderStatus
from helpdesk.models import Membership, Skill

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def active_members():
    return Membership.objects.filter(is_active=True).select_related("user").order_by("user__email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj.user)


class WorkOrderFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *WorkOrderKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *WorkOrderStatus.choices], required=False
    )
    technician = MemberChoiceField(
        label=_("Technician"), queryset=Membership.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = active_members()

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        technician = self.cleaned_data["technician"]
        return {
            "kind": self.cleaned_data["kind"],
            "status": self.cleaned_data["status"],
            "technician_id": None if technician is None else technician.pk,
            "overdue": self.cleaned_data["overdue"],
        }


class WorkOrderCreateForm(forms.Form):
    ticket = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkOrderKind.choices)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for an on-site visit."),
    )
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    required_skills = forms.ModelMultipleChoiceField(
        label=_("Required skills"),
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inbound_carrier = forms.CharField(
        label=_("Inbound carrier (depot repair)"), max_length=100, required=False
    )
    inbound_tracking = forms.CharField(
        label=_("Inbound tracking number (depot repair)"), max_length=100, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_skills"].queryset = Skill.objects.order_by("name")


class WorkOrderEditForm(forms.Form):
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    inbound_carrier = forms.CharField(label=_("Inbound carrier"), max_length=100, required=False)
    inbound_tracking = forms.CharField(
        label=_("Inbound tracking number"), max_length=100, required=False
    )


class WorkOrderScheduleForm(forms.Form):
    technician = MemberChoiceField(label=_("Technician"), queryset=Membership.objects.none())
    day = forms.DateField(label=_("Day"), widget=DATE)
    start = forms.TimeField(label=_("From"), widget=TIME)
    end = forms.TimeField(label=_("Until"), widget=TIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = active_members()

    def window(self) -> tuple[datetime, datetime]:
        """The appointment as aware datetimes in the active (the tenant's) time zone.
        Precondition: the form is valid."""
        day = self.cleaned_data["day"]
        return (
            timezone.make_aware(datetime.combine(day, self.cleaned_data["start"])),
            timezone.make_aware(datetime.combine(day, self.cleaned_data["end"])),
        )


class WorkOrderMoveForm(forms.Form):
    status = forms.ChoiceField(choices=WorkOrderStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why it could not be completed"), max_length=2000, required=False
    )
    tracking = forms.CharField(label=_("Return tracking number"), max_length=100, required=False)
