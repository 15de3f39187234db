"""``{% queue_rows page.rows team_names assignee_names columns %}``: the rows of the agent
queue's table, built in Python.

Every agent's queue re-renders its 25 rows every few seconds. Written with template variables,
filters and tags, one row of 11 cells cost about 1,700 Python calls (a lookup chain per
variable, ``get_*_display``, two ``date`` filters, ``url`` and ``blocktranslate``): a third of
the page's CPU time. Built here with ``helpdesk.platform.markup`` (which escapes every value),
the same
markup costs about a third of that. The first cells are in ``_first_cells``, the columns the
agent chooses in ``CELLS``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
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
    tickets: list[Ticket],
    team_names: dict[int, str],
    assignee_names: dict[int, str],
    columns: list[str],
) -> SafeString:
    """One ``<tr>`` per ticket: the selection box, number and subject, then ``columns`` (keys
    of ``tickets.forms.QUEUE_COLUMNS``) in that order. Precondition: the rows come from
    ``ticket_queue`` (customer, tier, category and SLA loaded); the names of their teams and
    assignees are in the dicts (``tickets.directory``); times show in the active time zone."""
    texts = _texts(translation.get_language())
    # The ticket pages live under the queue's URL (tickets/urls.py): one reverse() per page.
    queue_url = reverse("ticket_queue")
    row = _Row(texts, team_names, assignee_names, timezone.localdate())
    cells = [CELLS[name] for name in columns if name in CELLS]
    return markup_join(
        "\n",
        "<tr>{}{}</tr>",
        (
            (
                _first_cells(t, texts, queue_url),
                markup_join("", "{}", ((c(row, t),) for c in cells)),
            )
            for t in tickets
        ),
    )


@dataclass(frozen=True)
class _Row:
    """What every cell of a page's rows shares."""

    texts: _Texts
    team_names: dict[int, str]
    assignee_names: dict[int, str]
    today: date


def _first_cells(t: Ticket, texts: _Texts, queue_url: str) -> SafeString:
    # The full subject in the title: the cell cuts it with an ellipsis when it is long.
    return markup(
        '<td><input type="checkbox" name="tickets" value="{}" id="select-{}" aria-label="{}">'
        '</td><td>#{}</td><td class="subject"><a href="{}" title="{}">{}</a></td>',
        t.number,
        t.number,
        texts.select % {"number": t.number},
        t.number,
        f"{queue_url}{t.number}/",
        t.subject,
        t.subject,
    )


def _created(row: _Row, t: Ticket) -> SafeString:
    """Today's tickets by the time alone, older ones by the date; the full time in the title."""
    created = timezone.localtime(t.created_at)
    shown = created.strftime("%H:%M" if created.date() == row.today else "%Y-%m-%d")
    full = created.strftime("%Y-%m-%d %H:%M")
    return markup(
        '<td><time datetime="{}" title="{}">{}</time></td>', created.isoformat(), full, shown
    )


CELLS: dict[str, Callable[[_Row, Ticket], SafeString]] = {
    "customer": lambda row, t: markup(
        '<td class="customer" title="{}">{}{}</td>',
        t.customer,
        t.customer,
        _tier_badge(t.customer.tier),
    ),
    "status": lambda row, t: markup(
        '<td><span class="badge status-{}">{}</span></td>',
        t.status,
        row.texts.status.get(t.status, t.status),
    ),
    "sla": lambda row, t: markup(
        "<td>{}</td>", markup_join("", "{}", ((badge(t),) for badge in status_badges))
    ),
    "priority": lambda row, t: markup(
        '<td><span class="badge priority-{}">{}</span></td>',
        t.priority,
        row.texts.priority.get(t.priority, t.priority),
    ),
    "category": lambda row, t: markup(
        "<td>{}</td>", (t.category.name if t.category else "") or "—"
    ),
    "team": lambda row, t: markup("<td>{}</td>", row.team_names.get(t.team_id) or "—"),
    "assignee": lambda row, t: markup(
        "<td>{}</td>",
        row.assignee_names.get(t.assignee_id, "") if t.assignee_id else row.texts.unassigned,
    ),
    "created": _created,
}


def _tier_badge(tier) -> str:
    if tier is None:
        return ""
    return markup(
        ' <span class="tier-badge" style="--tier: {}">{}</span>',
        safe_colour(tier.colour),
        tier.name,
    )
