"""``{% queue_rows page.rows team_names assignee_names %}``: the rows of the agent queue's
table, built in Python.

Every agent's queue re-renders its 25 rows every few seconds. Written with template variables,
filters and tags, one row of 11 cells cost about 1,700 Python calls (a lookup chain per
variable, ``get_*_display``, two ``date`` filters, ``url`` and ``blocktranslate``): a third of
the page's CPU time. Built here with ``helpdesk.platform.markup`` (which escapes every value),
the same
markup costs about a third of that. The cells, in table order, are in ``_row``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from helpdesk.platform.markup import markup, markup_join
from tickets.models import Priority, Status, Ticket
from tickets.templatetags.workspace import safe_colour

register = template.Library()

# What apps above tickets show beside a row's status (the SLA engine: time left or overdue),
# each a function of the ticket returning escaped markup. Filled at start-up from
# ``config.events.QUEUE_STATUS_BADGES``.
status_badges: list[Callable[[Ticket], str]] = []


@dataclass(frozen=True)
class _Texts:
    """The fixed texts of a row in one language."""

    status: dict[str, str]
    priority: dict[str, str]
    select: str
    unassigned: SafeString


@lru_cache(maxsize=8)
def _texts(language: str | None) -> _Texts:
    # Translated once per language and process, not once per cell.
    with translation.override(language):
        return _Texts(
            status={value: str(label) for value, label in Status.choices},
            priority={value: str(label) for value, label in Priority.choices},
            select=_("Select ticket #%(number)s"),
            unassigned=markup('<span class="muted">{}</span>', _("Unassigned")),
        )


@register.simple_tag
def queue_rows(
    tickets: list[Ticket], team_names: dict[int, str], assignee_names: dict[int, str]
) -> SafeString:
    """One ``<tr>`` per ticket. Precondition: the rows come from ``ticket_queue`` (customer,
    tier, category and SLA loaded); the names of their teams and assignees are in the dicts
    (``tickets.directory``); times show in the active time zone."""
    texts = _texts(translation.get_language())
    # The ticket pages live under the queue's URL (tickets/urls.py): one reverse() per page.
    queue_url = reverse("ticket_queue")
    names = (team_names, assignee_names)
    return markup_join(
        "\n", "<tr>{}</tr>", ((_row(ticket, texts, queue_url, names),) for ticket in tickets)
    )


def _row(t: Ticket, texts: _Texts, queue_url: str, names: tuple[dict, dict]) -> SafeString:
    team_names, assignee_names = names
    created = timezone.localtime(t.created_at)
    return markup(
        '<td><input type="checkbox" name="tickets" value="{}" id="select-{}" aria-label="{}">'
        "</td><td>#{}</td>"
        '<td><a href="{}">{}</a></td>'
        "<td>{}{}</td>"
        '<td><span class="badge status-{}">{}</span></td>'
        "<td>{}</td>"
        '<td><span class="badge priority-{}">{}</span></td>'
        "<td>{}</td><td>{}</td><td>{}</td>"
        '<td><time datetime="{}">{}</time></td>',
        t.number,
        t.number,
        texts.select % {"number": t.number},
        t.number,
        f"{queue_url}{t.number}/",
        t.subject,
        t.customer,
        _tier_badge(t.customer.tier),
        t.status,
        texts.status.get(t.status, t.status),
        markup_join("", "{}", ((badge(t),) for badge in status_badges)),
        t.priority,
        texts.priority.get(t.priority, t.priority),
        (t.category.name if t.category else "") or "—",
        team_names.get(t.team_id) or "—",
        assignee_names.get(t.assignee_id, "") if t.assignee_id else texts.unassigned,
        created.isoformat(),
        created.strftime("%Y-%m-%d %H:%M"),
    )


def _tier_badge(tier) -> str:
    if tier is None:
        return ""
    return markup(
        ' <span class="tier-badge" style="--tier: {}">{}</span>',
        safe_colour(tier.colour),
        tier.name,
    )
