"""Reading a customer CSV: every row is checked before anything is written.

Columns (header row required, any order, case-insensitive): ``name``, ``email``, ``phone``,
``organization``, ``tier`` (code or name), ``tags`` (separated by ``;`` or ``,``), ``key_info``,
``notes``, ``language``. A row needs a name or an e-mail. Precondition: the scope is active.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Customer, Tier

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


def _decode(raw: bytes) -> str | None:
    # Spreadsheets in China often save CSV as GB18030 rather than UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_customer_csv(upload: UploadedFile) -> ImportReport:
    report = ImportReport()
    text = _decode(upload.read())
    if text is None:
        report.file_errors.append(_("The file is not UTF-8 or GB18030 text."))
        return report
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if not {"name", "email"} & set(headers):
        report.file_errors.append(_("The first row must name the columns, e.g. name,email."))
        return report
    reader.fieldnames = headers
    tiers = _tier_lookup()
    for number, record in enumerate(reader, start=2):
        if len(report.rows) >= MAX_ROWS:
            report.file_errors.append(
                _("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS}
            )
            break
        report.rows.append(_row(number, record, tiers))
    known = _existing_emails([row.email for row in report.rows if row.email])
    seen: set[str] = set()
    for row in report.rows:
        _check_email(row, known, seen)
    if not report.rows and not report.file_errors:
        report.file_errors.append(_("The file has no customer rows."))
    return report


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
    if len(row.name) > 200 or len(row.phone) > 40 or len(row.organization) > 200:
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
