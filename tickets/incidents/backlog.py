"""Backlog catch-up: contacts logged by hand while the system was down become tickets with
their original time, so SLAs and reports stay honest.

CSV with a header row (any order, case-insensitive; Chinese headers accepted):
``time`` (required: ``2026-03-01 14:05``, in the tenant's time zone unless it carries an
offset), ``name``, ``email``, ``phone`` (at least one of the three), ``channel`` (phone,
email, web, chat; phone by default), ``summary`` (required: the first line becomes the
subject), ``category`` (a category name), ``priority`` (low, normal, high, urgent).
UTF-8 or GB18030. Every row is checked first; one bad row and nothing is imported. The import
runs in the request, so a file holds at most ``MAX_ROWS`` rows.

Precondition for every function: the tenant scope is active.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.models import Membership, Tenant
from helpdesk.platform.csvfiles import (
    CsvFileError,
    csv_records,
    dict_reader,
    has_missing_values,
    read_csv_upload,
)
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from tickets.incidents.models import Incident
from tickets.incidents.services import incident_link_tickets
from tickets.intake import Requester, ticket_intake
from tickets.models import Category, Channel, Priority, Ticket

MAX_ROWS = 500
# A date further back than this is almost certainly a typo (2016 for 2026), not a backlog.
MAX_AGE = timedelta(days=90)
BACKLOG_TAG = "backlog"
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
HEADER_ALIASES = {
    "时间": "time",
    "姓名": "name",
    "客户": "name",
    "邮箱": "email",
    "电子邮件": "email",
    "电话": "phone",
    "渠道": "channel",
    "摘要": "summary",
    "内容": "summary",
    "类别": "category",
    "优先级": "priority",
}


@dataclass
class BacklogRow:
    line: int
    time: datetime | None = None
    name: str = ""
    email: str = ""
    phone: str = ""
    channel: str = Channel.PHONE
    summary: str = ""
    category: Category | None = None
    priority: str = Priority.NORMAL
    errors: list[str] = field(default_factory=list)


@dataclass
class BacklogReport:
    rows: list[BacklogRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> list[BacklogRow]:
        return [row for row in self.rows if row.errors]


def parse_backlog_csv(upload: UploadedFile, *, tenant: Tenant) -> BacklogReport:
    report = BacklogReport()
    try:
        _read_rows(report, read_csv_upload(upload), tenant)
    except CsvFileError as error:
        report.file_errors.append(error.message)
        return report
    if not report.rows and not report.file_errors:
        report.file_errors.append(_("The file has no rows."))
    return report


def _read_rows(report: BacklogReport, text: str, tenant: Tenant) -> None:
    reader = dict_reader(text)
    headers = [_header(h) for h in reader.fieldnames or []]
    if not {"time", "summary"} <= set(headers):
        raise CsvFileError(_("The first row must name the columns, at least time and summary."))
    reader.fieldnames = headers
    parser = _RowParser(tenant)
    for number, record in csv_records(reader):
        if len(report.rows) >= MAX_ROWS:
            report.file_errors.append(
                _("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS}
            )
            break
        report.rows.append(parser.parse(number, record))


def _header(raw: str | None) -> str:
    name = (raw or "").strip().lstrip("\ufeff").lower()
    return HEADER_ALIASES.get(name, name)


def _value(record: dict, column: str) -> str:
    value = record.get(column)
    return value.strip() if isinstance(value, str) else ""


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices:
        lookup[value] = value
        lookup[str(label).lower()] = value
    return lookup


class _RowParser:
    def __init__(self, tenant: Tenant):
        self.zone = zoneinfo.ZoneInfo(tenant.time_zone)
        self.now = timezone.now()
        self.categories = {c.name.lower(): c for c in Category.objects.all()}
        self.channels = _choice_lookup(Channel.choices)
        self.priorities = _choice_lookup(Priority.choices)

    def parse(self, line: int, record: dict) -> BacklogRow:
        row = BacklogRow(line=line, summary=_value(record, "summary"))
        row.name, row.phone = _value(record, "name"), _value(record, "phone")
        row.email = _value(record, "email").lower()
        self._time(row, _value(record, "time"))
        self._customer(row)
        if not row.summary:
            row.errors.append(_("A summary is required."))
        row.channel = self._pick(row, self.channels, "channel", _value(record, "channel"))
        row.priority = self._pick(row, self.priorities, "priority", _value(record, "priority"))
        self._category(row, _value(record, "category"))
        if None in record:
            row.errors.append(_("The row has more values than the header has columns."))
        elif has_missing_values(record):
            row.errors.append(_("The row has fewer values than the header has columns."))
        if len(row.summary) > TEXT_MAX_LENGTH:
            row.errors.append(_("A value is too long."))
        return row

    def _time(self, row: BacklogRow, raw: str) -> None:
        row.time = parse_time(raw, self.zone)
        if row.time is None:
            row.errors.append(
                _("“%(value)s” is not a time like 2026-03-01 14:05.") % {"value": raw}
            )
        elif row.time > self.now:
            row.errors.append(_("The time is in the future."))
        elif row.time < self.now - MAX_AGE:
            row.errors.append(_("The time is more than 90 days ago: check the date."))

    def _customer(self, row: BacklogRow) -> None:
        if not (row.name or row.email or row.phone):
            row.errors.append(_("A customer name, e-mail address or phone number is required."))
        if len(row.name) > 200 or len(row.phone) > 40:
            row.errors.append(_("A value is too long."))
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})

    def _pick(self, row: BacklogRow, lookup: dict, column: str, raw: str) -> str:
        if not raw:
            return Channel.PHONE if column == "channel" else Priority.NORMAL
        value = lookup.get(raw.lower())
        if value is None:
            row.errors.append(
                _("Unknown %(column)s “%(value)s”.") % {"column": column, "value": raw}
            )
            return ""
        return value

    def _category(self, row: BacklogRow, raw: str) -> None:
        if raw:
            row.category = self.categories.get(raw.lower())
            if row.category is None:
                row.errors.append(_("Unknown category “%(category)s”.") % {"category": raw})


def parse_time(raw: str, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """A wall-clock time in the tenant's zone, or an ISO time with its own offset."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    for pattern in TIME_FORMATS if parsed is None else ():
        try:
            parsed = datetime.strptime(raw, pattern)
            break
        except ValueError:
            continue
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=zone)


def backlog_import(
    *,
    tenant: Tenant,
    actor: Membership,
    upload: UploadedFile,
    incident: Incident | None = None,
) -> BacklogReport:
    """Validate every row; then create all tickets, oldest first, in one transaction."""
    report = parse_backlog_csv(upload, tenant=tenant)
    if report.has_errors:
        return report
    with transaction.atomic():
        for row in sorted(report.rows, key=lambda r: (r.time, r.line)):
            report.tickets.append(_ticket_from(row, tenant, actor))
        if incident is not None:
            incident_link_tickets(incident=incident, actor=actor, tickets=report.tickets)
    return report


def _ticket_from(row: BacklogRow, tenant: Tenant, actor: Membership) -> Ticket:
    # Runs inside the import's transaction: a customer made for an earlier row is found again.
    first_line = row.summary.splitlines()[0][:200]
    return ticket_intake(
        tenant=tenant,
        actor=actor,
        requester=Requester(name=row.name, email=row.email, phone=row.phone),
        subject=first_line,
        description=row.summary,
        channel=row.channel,
        priority=row.priority,
        category=row.category,
        tags=[BACKLOG_TAG],
        call_started_at=row.time if row.channel == Channel.PHONE else None,
        created_at=row.time,
    )
