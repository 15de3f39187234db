"""The dispatch board's forms: a visit's technician and window, the board's day."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldservice.models import TechnicianProfile

DEFAULT_START = time(9, 0)
DEFAULT_END = time(11, 0)


class BoardDayForm(forms.Form):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class AssignForm(forms.Form):
    """Technician and window of one visit (its own ``prefix`` on the board). The technician
    choices are given, proposed ones first and marked, so the board renders every visit's
    form from one list (no query per form)."""

    technician = forms.TypedChoiceField(label=_("Technician"), coerce=int)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=_("Window from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Window until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    schedule_anyway = forms.BooleanField(
        label=_("Schedule anyway, outside the technician's working calendar"), required=False
    )

    def __init__(self, *args, profiles: list[TechnicianProfile], proposed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.profiles = {profile.membership_id: profile for profile in profiles}
        self.mark_proposed(proposed)

    def mark_proposed(self, proposed) -> None:
        """List the proposed technicians first, marked, then the others by name."""
        proposed_ids = [pk for pk in proposed if pk in self.profiles]
        others = [pk for pk in self.profiles if pk not in proposed_ids]
        self.fields["technician"].choices = [
            ("", "---------"),
            *[(pk, _proposed_label(self.profiles[pk])) for pk in proposed_ids],
            *[(pk, str(self.profiles[pk].membership.user)) for pk in others],
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The window must end after it starts."))
        return cleaned

    def profile(self) -> TechnicianProfile:
        return self.profiles[self.cleaned_data["technician"]]

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The window as aware datetimes: the date and times are in ``zone``."""
        data = self.cleaned_data
        return window_in(zone, data["day"], data["start"], data["end"])


def window_in(zone: ZoneInfo, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    return datetime.combine(day, start, tzinfo=zone), datetime.combine(day, end, tzinfo=zone)


def _proposed_label(profile: TechnicianProfile) -> str:
    return _("★ %(name)s (proposed)") % {"name": profile.membership.user}
