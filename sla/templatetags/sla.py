"""``{% sla_badge ticket %}``: the SLA colour with time left, or overdue by.

A simple tag building its markup with ``helpdesk.platform.markup`` (escaped as ``format_html``
does):
it runs once per queue row, where an inclusion tag's template render was a measurable share of
the page.
"""

from functools import lru_cache

from django import template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpdesk.platform.markup import markup
from helpdesk.platform.view_helpers import duration_text

register = template.Library()


@lru_cache(maxsize=8)
def _labels(language: str | None) -> dict[str, str]:
    # Once per language and process, not six translations per badge.
    with translation.override(language):
        return {
            "green": _("On track"),
            "amber": _("At risk"),
            "red": _("Breached"),
            "met": _("Met"),
            "paused": _("Paused"),
            "none": _("No SLA"),
        }


@register.simple_tag
def sla_badge(ticket) -> str:
    sla = getattr(ticket, "sla", None)
    colour = sla.colour if sla else "none"
    due = sla.next_deadline_at if sla else None
    label = _labels(translation.get_language()).get(colour, colour)
    if due is None:
        return markup(
            '<span class="sla-badge sla-{}"><span class="sla-dot" aria-hidden="true"></span>'
            "{}</span>",
            colour,
            label,
        )
    left = (due - timezone.now()).total_seconds()
    text = (_("%(time)s left") if left >= 0 else _("overdue by %(time)s")) % {
        "time": duration_text(left)
    }
    return markup(
        '<span class="sla-badge sla-{}" title="{}"><span class="sla-dot" aria-hidden="true">'
        "</span>{} · {}</span>",
        colour,
        timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),  # date_format's "Y-m-d H:i"
        label,
        text,
    )
