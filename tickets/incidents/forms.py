"""Forms of the incident pages. They parse and validate; ``tickets.incidents.services`` does
the writes.
Querysets run inside the request's tenant scope."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Role
from tickets.forms import MemberChoiceField, member_choices
from tickets.incidents.models import (
    OPEN_INCIDENT_STATUSES,
    Incident,
    IncidentSeverity,
    IncidentStatus,
    Playbook,
    SurgeSettings,
)
from tickets.incidents.services import MAX_LINK_AT_ONCE, parse_ticket_numbers, playbooks_active
from tickets.models import Category


def _local_datetime(label, required=False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=IncidentSeverity.choices, initial=IncidentSeverity.MAJOR
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=500,
        required=False,
        help_text=_("Separated by commas, e.g. login, 无法登录, app down."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—"
    )
    expected_recovery_at = _local_datetime(_("Expected recovery"))
    owner = MemberChoiceField(
        label=_("Owner"), queryset=Membership.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["owner"].queryset = member_choices()

    @classmethod
    def initial_of(cls, incident: Incident) -> dict:
        fields = ("title", "description", "severity", "keywords", "category", "owner")
        initial = {name: getattr(incident, name) for name in fields}
        initial["expected_recovery_at"] = incident.expected_recovery_at
        return initial


class IncidentCreateForm(IncidentForm):
    is_drill = forms.BooleanField(
        label=_("This is a drill"),
        required=False,
        help_text=_("A drill is never shown to customers and mails nobody."),
    )
    playbook = forms.ModelChoiceField(
        label=_("Playbook"), queryset=Playbook.objects.none(), required=False, empty_label="—"
    )
    surge = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = playbooks_active()


class LinkTicketsForm(forms.Form):
    numbers = forms.CharField(
        label=_("Ticket numbers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Paste numbers separated by spaces, commas or new lines (#12, 13 …)."),
    )

    def clean_numbers(self) -> list[int]:
        numbers = parse_ticket_numbers(self.cleaned_data["numbers"])
        if not numbers:
            raise ValidationError(_("No ticket numbers found."))
        if len(numbers) > MAX_LINK_AT_ONCE:
            raise ValidationError(
                _("Link at most %(max)s tickets at once."), params={"max": MAX_LINK_AT_ONCE}
            )
        return numbers


class LinkSelectedForm(forms.Form):
    """The queue's "link selected to incident" button (or the candidates on an incident)."""

    incident = forms.ModelChoiceField(label=_("Incident"), queryset=Incident.objects.none())
    tickets = forms.TypedMultipleChoiceField(coerce=int, label=_("Tickets"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.filter(
            status__in=OPEN_INCIDENT_STATUSES
        )
        numbers = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(n, n) for n in numbers]

    def clean_tickets(self) -> list[int]:
        numbers = sorted(set(self.cleaned_data["tickets"]))
        if len(numbers) > MAX_LINK_AT_ONCE:
            raise ValidationError(
                _("Link at most %(max)s tickets at once."), params={"max": MAX_LINK_AT_ONCE}
            )
        return numbers


class UnlinkForm(forms.Form):
    number = forms.IntegerField(min_value=1)


class IncidentUpdateForm(forms.Form):
    body = forms.CharField(
        label=_("Update for the customers"), widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(label=_("Status"))
    expected_recovery_at = _local_datetime(_("Expected recovery"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(IncidentStatus.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in OPEN_INCIDENT_STATUSES]


class ResolveForm(forms.Form):
    message = forms.CharField(
        label=_("Message to every linked customer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Posted as a public reply on each linked ticket, which is then resolved."),
    )


class AttachPlaybookForm(forms.Form):
    playbook = forms.ModelChoiceField(label=_("Playbook"), queryset=Playbook.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].queryset = playbooks_active()


class PlaybookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scenario = forms.CharField(
        label=_("Scenario"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The problem situation this playbook answers."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PlaybookStepForm(forms.Form):
    description = forms.CharField(label=_("Step"), max_length=500, required=False)
    owner_role = forms.ChoiceField(label=_("Owner role"), required=False)
    owner_member = MemberChoiceField(
        label=_("Owner"), queryset=Membership.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_role"].choices = [("", "—"), *Role.choices]
        self.fields["owner_member"].queryset = member_choices()


PlaybookStepFormSet = forms.formset_factory(PlaybookStepForm, extra=3, max_num=50)


class SurgeSettingsForm(forms.ModelForm):
    class Meta:
        model = SurgeSettings
        fields = ("is_enabled", "multiplier", "trailing_days", "minimum_count")

    def clean_multiplier(self):
        value = self.cleaned_data["multiplier"]
        if value <= 1:
            raise ValidationError(_("Use a multiple above 1."))
        return value

    def clean_trailing_days(self):
        value = self.cleaned_data["trailing_days"]
        if not 1 <= value <= 90:
            raise ValidationError(_("Between 1 and 90 days."))
        return value


class BacklogImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    incident = forms.ModelChoiceField(
        label=_("Link the tickets to incident"),
        queryset=Incident.objects.none(),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.filter(
            status__in=OPEN_INCIDENT_STATUSES
        )
