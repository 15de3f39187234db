"""Formatting of KPI values for the report pages."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as "3 d 4 h", "2 h 05 min" or "45 min"; "–" for no value."""
    if seconds is None:
        return "–"
    minutes = round(float(seconds) / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def kpi(value, unit: str) -> str:
    """A KPI value in its unit."""
    if value is None:
        return "–"
    if unit == "seconds":
        return duration(value)
    if unit == "percent":
        return f"{Decimal(value):.1f} %"
    if unit in ("index", "r"):
        return f"{value:.2f}"
    if unit == "nps":
        return f"{Decimal(value):+.0f}"
    return f"{value:,}"


@register.filter
def kpi_change(tile) -> str:
    """The change versus the previous period, signed, in the KPI's unit."""
    change = tile.change
    if change is None:
        return ""
    if tile.unit == "seconds":
        sign = "+" if change >= 0 else "-"
        return sign + duration(abs(change))
    if tile.unit == "percent":
        return f"{Decimal(change):+.1f} pt"
    if tile.unit in ("index", "r"):
        return f"{change:+.2f}"
    return f"{change:+,}"
