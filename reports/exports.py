"""CSV exports of every report table and of the raw tickets of a period, streamed.

Rows are produced by generators and written one line at a time into a
``StreamingHttpResponse``, so a year of a large tenant never sits in memory. Raw tickets are
read in keyset pages (``pk > last``, ``LIMIT chunk``), each page through ``.iterator()``: the
settings turn PostgreSQL's server-side cursors off (``DISABLE_SERVER_SIDE_CURSORS``, for
PgBouncer), and without them ``.iterator()`` over one big query would buffer the whole result
in the client. Keyset pages keep memory flat on every database and every pooler.

Text that a spreadsheet program would run as a formula (a subject ``=HYPERLINK(…)``) is
written as text (``helpdesk.platform.csvfiles.spreadsheet_safe``).

The response body is consumed after the view returned, i.e. after the tenant middleware left
its scope; the generators therefore open the tenant scope themselves.
"""

import csv
from collections.abc import Callable, Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django_scopes import scope

from helpdesk.platform.csvfiles import spreadsheet_safe
from tickets.models import Ticket

from .assessment import monthly_assessment
from .feedback import category_rows, monthly_trend
from .kpis import KPIS, KpiSource, compute_all, ticket_filter_q
from .selectors import KPI_LABELS, agent_names, group_rows, team_names

CHUNK_SIZE = 2000


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, rows: Iterable[list], tenant) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so spreadsheet programs read the Chinese text as UTF-8
        with scope(tenant=tenant):
            for row in rows:
                yield writer.writerow([spreadsheet_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _value(value) -> str:
    return "" if value is None else str(value)


def kpi_rows(source: KpiSource) -> Iterator[list]:
    yield [_("KPI"), _("value"), _("unit")]
    values = compute_all(source)
    for kpi in KPIS:
        yield [str(KPI_LABELS[kpi.name]), _value(values[kpi.name]), kpi.unit]


def category_table(source: KpiSource) -> Iterator[list]:
    yield [_("category"), _("created"), _("share (%)"), _("complaints"), _("resolved"),
           _("average resolution (s)")]  # fmt: skip
    for row in category_rows(source):
        yield [row.category, row.created, _value(row.share), row.complaints, row.resolved,
               _value(row.resolution_average)]  # fmt: skip


def complaint_table(source: KpiSource) -> Iterator[list]:
    yield [_("category"), _("complaints"), _("created")]
    rows = sorted((r for r in category_rows(source) if r.complaints), key=lambda r: -r.complaints)
    for row in rows:
        yield [row.category, row.complaints, row.created]


def trend_table(source: KpiSource) -> Iterator[list]:
    yield [_("month"), _("created"), _("complaints"), _("resolution rate (%)"),
           _("satisfaction rate (%)")]  # fmt: skip
    for row in monthly_trend(source):
        yield [row["month"].strftime("%Y-%m"), row["created"], row["complaints"],
               _value(row["resolution_rate"]), _value(row["satisfaction_rate"])]  # fmt: skip


def _group_table(rows) -> Iterator[list]:
    yield [_("name"), _("created"), _("resolved"), _("first response, average (s)"),
           _("resolution, average (s)"), _("first-response SLA met (%)"),
           _("resolution rate (%)"), _("first-contact resolution (%)"), _("reopen rate (%)"),
           _("satisfaction rate (%)")]  # fmt: skip
    for r in rows:
        yield [r.name, r.created, r.resolved, _value(r.first_response_average),
               _value(r.resolution_average), _value(r.first_response_sla),
               _value(r.resolution_rate), _value(r.first_contact_resolution),
               _value(r.reopen_rate), _value(r.satisfaction_rate)]  # fmt: skip


def team_table(source: KpiSource) -> Iterator[list]:
    yield from _group_table(group_rows(source, "team_id", names=team_names(source.filters.teams)))


def agent_table(source: KpiSource) -> Iterator[list]:
    names = agent_names(teams=source.filters.teams, agent=source.filters.agent)
    yield from _group_table(group_rows(source, "agent_id", names=names))


def _assessment_table(rows) -> Iterator[list]:
    yield [_("rank"), _("name"), _("score"), _("satisfaction (%)"), _("resolution rate (%)"),
           _("response time (mark)"), _("record accuracy (%)"), _("resolved"),
           _("Service Star")]  # fmt: skip
    for r in rows:
        yield [_value(r.rank), r.name, _value(r.score), _value(r.satisfaction),
               _value(r.resolution_rate), _value(r.response_time), _value(r.record_accuracy),
               r.resolved, "★" if r.is_star else ""]  # fmt: skip


def assessment_agent_table(source: KpiSource, visible: Callable) -> Iterator[list]:
    yield from _assessment_table(r for r in monthly_assessment(source).agents if visible(r))


TICKET_COLUMNS = (
    "pk",
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "category__name",
    "team__name",
    "assignee__user__email",
    "customer__name",
    "created_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "reopened_count",
)


def ticket_rows(source: KpiSource, *, chunk_size: int | None = None) -> Iterator[list]:
    """Every ticket created in the period that matches the filters, oldest id first."""
    chunk_size = chunk_size or CHUNK_SIZE
    yield [_("number"), _("subject"), _("status"), _("priority"), _("channel"), _("category"),
           _("team"), _("assignee"), _("customer"), _("created at"), _("first responded at"),
           _("resolved at"), _("closed at"), _("times reopened")]  # fmt: skip
    zone = source.period.zone
    tickets = Ticket.objects.filter(
        ticket_filter_q(source.filters),
        created_at__gte=source.period.start_at,
        created_at__lt=source.period.end_at,
    ).order_by("pk")
    last = 0
    while True:
        page = tickets.filter(pk__gt=last).values_list(*TICKET_COLUMNS)[:chunk_size]
        count = 0
        for row in page.iterator(chunk_size=chunk_size):
            count, last = count + 1, row[0]
            yield [_local(v, zone) for v in row[1:]]
        if count < chunk_size:
            return


def _local(value, zone) -> str:
    if hasattr(value, "astimezone"):
        return value.astimezone(zone).isoformat(timespec="seconds")
    return _value(value)
