"""Query-parameter filters for API lists whose values must be refused, not coerced or passed
on: the schema promises an integer or a time, so anything else is a 400 naming the parameter
(``helpdesk.api.StrictFilterSet`` reports it)."""

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField


class IntegerFilter(filters.NumberFilter):
    """``NumberFilter`` reads ``0.5`` as a number; an id, a ticket number or a score is a whole
    one, as the schema says (from the model's integer field)."""

    field_class = forms.IntegerField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, in UTC. Python accepts offsets up to ±23:59 and PostgreSQL only up to
    ±15:59: passed on as given, ``…-18:45`` would be a database error (500) instead of a
    time. A time that leaves the calendar once shifted to UTC is invalid (400)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
