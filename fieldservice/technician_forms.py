"""Forms of the technician's pages. The part choices are the van's, set when the form is
built (a class-level queryset would run unscoped)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldservice.models import WorkOrderStatus as S
from repairs.models import Part

MAX_QUANTITY = 1000
# The moves a technician makes from the job page; scheduling is the dispatcher's.
TECHNICIAN_MOVES = (S.EN_ROUTE, S.ON_SITE, S.COULD_NOT_COMPLETE)


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False)


class MoveForm(forms.Form):
    status = forms.ChoiceField(choices=[(status, status) for status in TECHNICIAN_MOVES])
    reason = forms.CharField(
        label=_("Why could it not be completed?"), max_length=2000, required=False
    )


class NotesForm(forms.Form):
    work_done = forms.CharField(
        label=_("Work done"), max_length=10_000, required=False, widget=forms.Textarea
    )


class CompleteForm(forms.Form):
    work_done = forms.CharField(label=_("Work done"), max_length=10_000, widget=forms.Textarea)


class PartUseForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )

    def __init__(self, *args, parts=None, labels=None, **kwargs):
        super().__init__(*args, auto_id="id_part_%s", **kwargs)
        field = self.fields["part"]
        field.queryset = parts if parts is not None else Part.objects.none()
        if labels:
            field.label_from_instance = lambda part: labels.get(part.pk, str(part))


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class SignForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed by"), max_length=100)
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
