"""Reading a customer CSV: every row is checked before anything is written.

Columns (header row required, any order, case-insensitive): ``name``, ``email``, ``phone``,
``organization``, ``tier`` (code or name), ``tags`` (separated by ``;`` or ``,``), ``key_info``,
``notes``, ``language``. A row needs a name or an e-mail. Precondition: the scope is active.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from helpdesk.platform.csvfiles import (
    CsvFileError,
    csv_records,
    dict_reader,
    has_missing_values,
    read_csv_upload,
)
from helpdesk.platform.limits import TEXT_MAX_LENGTH

from .models import KEY_INFO_MAX_LENGTH, Customer, Tier

COLUMNS = (
    "name",
    "email",
    "phone",
    "organization",
    "tier",
    "tags",
    "key_info",
    "notes",
    "language",
)
MAX_ROWS = 5000


@dataclass
class ImportRow:
    line: int
    name: str = ""
    email: str = ""
    phone: str = ""
    organization: str = ""
    tier: Tier | None = None
    tags: list[str] = field(default_factory=list)
    key_info: str = ""
    notes: str = ""
    language: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    created: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


def parse_customer_csv(upload: UploadedFile) -> ImportReport:
    report = ImportReport()
    try:
        _read_rows(report, read_csv_upload(upload))
    except CsvFileError as error:
        report.file_errors.append(error.message)
        return report
    known = _existing_emails([row.email for row in report.rows if row.email])
    seen: set[str] = set()
    for row in report.rows:
        _check_email(row, known, seen)
    if not report.rows and not report.file_errors:
        report.file_errors.append(_("The file has no customer rows."))
    return report


def _read_rows(report: ImportReport, text: str) -> None:
    reader = dict_reader(text)
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if not {"name", "email"} & set(headers):
        raise CsvFileError(_("The first row must name the columns, e.g. name,email."))
    reader.fieldnames = headers
    tiers = _tier_lookup()
    for number, record in csv_records(reader):
        if len(report.rows) >= MAX_ROWS:
            report.file_errors.append(
                _("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS}
            )
            break
        report.rows.append(_row(number, record, tiers))


def _tier_lookup() -> dict[str, Tier]:
    """Tiers by code, by full name and by each word of a bilingual name ("Important 重要")."""
    tiers: dict[str, Tier] = {}
    all_tiers = list(Tier.objects.all())
    for tier in all_tiers:
        for word in tier.name.lower().split():
            tiers.setdefault(word, tier)
    for tier in all_tiers:
        tiers[tier.code.lower()] = tier
        tiers[tier.name.lower()] = tier
    return tiers


def _existing_emails(emails: list[str]) -> set[str]:
    """Which of these addresses already belong to a customer (case-insensitive)."""
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        query = Customer.objects.filter(email__in=chunk).values_list("email", flat=True)
        found.update(email.lower() for email in query)
    return found


def _value(record: dict, column: str) -> str:
    value = record.get(column)
    return value.strip() if isinstance(value, str) else ""


def _row(number: int, record: dict, tiers: dict[str, Tier]) -> ImportRow:
    row = ImportRow(
        line=number, **{c: _value(record, c) for c in COLUMNS if c not in {"tier", "tags"}}
    )
    row.email = row.email.lower()
    if not row.name and not row.email:
        row.errors.append(_("A name or an e-mail address is required."))
    if (
        len(row.name) > 200
        or len(row.phone) > 40
        or len(row.organization) > 200
        or len(row.key_info) > KEY_INFO_MAX_LENGTH
        or len(row.notes) > TEXT_MAX_LENGTH
    ):
        row.errors.append(_("A value is too long."))
    tier = _value(record, "tier")
    if tier:
        row.tier = tiers.get(tier.lower())
        if row.tier is None:
            row.errors.append(_("Unknown tier “%(tier)s”.") % {"tier": tier})
    row.tags = [t.strip() for t in _value(record, "tags").replace(";", ",").split(",") if t.strip()]
    languages = {code for code, _name in settings.LANGUAGES}
    if row.language and row.language not in languages:
        row.errors.append(_("Unknown language “%(language)s”.") % {"language": row.language})
    if None in record:
        row.errors.append(_("The row has more values than the header has columns."))
    elif has_missing_values(record):
        row.errors.append(_("The row has fewer values than the header has columns."))
    row.name = row.name or row.email
    return row


def _check_email(row: ImportRow, known: set[str], seen: set[str]) -> None:
    if not row.email:
        return
    try:
        validate_email(row.email)
    except ValidationError:
        row.errors.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})
        return
    if row.email in known:
        row.errors.append(_("A customer with this e-mail address already exists."))
    elif row.email in seen:
        row.errors.append(_("This e-mail address appears twice in the file."))
    seen.add(row.email)
