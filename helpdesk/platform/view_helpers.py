"""Small helpers every app's HTML views share."""

import zoneinfo
from functools import wraps

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def in_tenant_time_zone(view):
    """Show and parse datetimes in the tenant's time zone (history, datetime-local inputs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(zoneinfo.ZoneInfo(request.tenant.time_zone)):
            return view(request, *args, **kwargs)

    return wrapper


def service_error_into_form(form: Form, error: ValidationError) -> str:
    """Attach a service's error to the form (by field where the form has it); return its text."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
    return " ".join(error.messages)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The POSTed ``next`` if it stays on this host, else ``fallback`` (no open redirect)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def duration_text(seconds: float) -> str:
    """``12 min``, ``3 h 5 min`` or ``4 days`` for badges (sign ignored)."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return _("%(m)s min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(d)s days") % {"d": hours // 24}
