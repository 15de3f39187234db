"""``{% sla_badge ticket %}``: the SLA colour with time left, or overdue by."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


def _duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return _("%(m)s min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(d)s days") % {"d": hours // 24}


@register.inclusion_tag("sla/_badge.html")
def sla_badge(ticket) -> dict:
    sla = getattr(ticket, "sla", None)
    colour = sla.colour if sla else "none"
    due = sla.next_deadline_at if sla else None
    text = ""
    if due is not None:
        left = (due - timezone.now()).total_seconds()
        text = (_("%(time)s left") if left >= 0 else _("overdue by %(time)s")) % {
            "time": _duration(left)
        }
    labels = {
        "green": _("On track"),
        "amber": _("At risk"),
        "red": _("Breached"),
        "met": _("Met"),
        "paused": _("Paused"),
        "none": _("No SLA"),
    }
    return {"colour": colour, "label": labels.get(colour, colour), "text": text, "due": due}
