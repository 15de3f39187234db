"""Importing spare parts from a CSV or XLSX table, in a background job.

Columns (header row, any order, case-insensitive): ``part_number``, ``name``, ``name_zh``,
``unit_cost``, ``unit_price``, ``low_stock_threshold``, ``compatible_models`` (model codes
separated by ``;`` or ``,``). A row creates the part, or updates the part with the same number
(numbers compared stripped and in upper case); a column that is absent leaves the part's
value as it is.

Every row is checked first; one wrong row and nothing is imported, and the job lists every
problem by row and column. Otherwise all rows are written in one transaction, each part
audited (created, or one row per changed field).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models.functions import Trim, Upper
from django.utils.translation import gettext as _

from helpdesk.audit import audit_save
from helpdesk.background_jobs import JobContext, JobRowErrors, RowChecker, job_handler
from helpdesk.models import Membership, Tenant
from helpdesk.platform.spreadsheets import read_table
from products.models import Product
from repairs.models import Part

KIND = "parts_import"
COLUMNS = (
    "part_number",
    "name",
    "name_zh",
    "unit_cost",
    "unit_price",
    "low_stock_threshold",
    "compatible_models",
)
REQUIRED_COLUMNS = ("part_number", "name")
PART_NUMBER_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
MONEY_MAX = Decimal("9999999999.99")
THRESHOLD_MAX = 1_000_000
LOOKUP_CHUNK = 500
SEPARATORS = re.compile(r"[;,，；]")


def missing_columns(headers: list[str]) -> list[str]:
    """The required columns a header row lacks (for the upload form)."""
    return [column for column in REQUIRED_COLUMNS if column not in headers]


def normalise_part_number(raw: str) -> str:
    return raw.strip().upper()


@dataclass
class PartRow:
    row: int
    part_number: str
    values: dict = field(default_factory=dict)


@job_handler(KIND)
def parts_import_job(context: JobContext) -> dict:
    """Read, check and import the job's table of parts."""
    with context.job.file.open("rb") as file:
        table = read_table(file, context.job.file_name)
        records = list(table.rows)
    context.progress.start(len(records))
    rows = parts_check(records=records, headers=table.headers, progress=context.progress)
    return parts_import(tenant=context.tenant, actor=context.job.created_by, rows=rows)


def parts_check(*, records: list[tuple[int, dict]], headers: list[str], progress) -> list[PartRow]:
    """Every row checked; ``JobRowErrors`` listing every problem if any. Precondition: the
    tenant's scope is active."""
    if not records:
        raise JobRowErrors([{"row": 1, "field": "", "message": _("The file has no rows.")}])
    products = {p.model_code.lower(): p for p in Product.objects.all()}
    checker, rows, seen = RowChecker(), [], {}
    for done, (number, record) in enumerate(records, start=1):
        checker.shape(number, record)
        row = PartRow(number, _part_number(checker, seen, number, record))
        _check_values(checker, row, record, set(headers), products)
        rows.append(row)
        progress.step(done)
    if checker.errors:
        raise JobRowErrors(checker.errors)
    return rows


def _part_number(checker: RowChecker, seen: dict, number: int, record: dict) -> str:
    part_number = normalise_part_number(record.get("part_number", ""))
    if not part_number:
        checker.add(number, "part_number", _("Give the part number."))
    elif len(part_number) > PART_NUMBER_MAX_LENGTH:
        checker.add(number, "part_number", _("A value is too long."))
    elif part_number in seen:
        checker.add(
            number,
            "part_number",
            _("This part number is also in row %(row)s.") % {"row": seen[part_number]},
        )
    else:
        seen[part_number] = number
    return part_number


def _check_values(checker, row: PartRow, record: dict, headers: set, products: dict) -> None:
    number = row.row
    for name in ("name", "name_zh"):
        if name in headers:
            row.values[name] = record.get(name, "")
            if len(row.values[name]) > NAME_MAX_LENGTH:
                checker.add(number, name, _("A value is too long."))
    if not row.values.get("name"):
        checker.add(number, "name", _("Give the part's name."))
    for name in ("unit_cost", "unit_price"):
        if name in headers:
            row.values[name] = _money(checker, number, name, record.get(name, ""))
    if "low_stock_threshold" in headers:
        row.values["low_stock_threshold"] = _count(checker, number, record)
    if "compatible_models" in headers:
        row.values["compatible_products"] = _models(checker, number, record, products)


def _money(checker: RowChecker, number: int, name: str, text: str) -> Decimal:
    if not text:
        return Decimal("0")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > MONEY_MAX:
        checker.add(number, name, _("“%(value)s” is not an amount.") % {"value": text})
        return Decimal("0")
    if amount != amount.quantize(Decimal("0.01")):
        checker.add(number, name, _("An amount has at most two decimal places."))
    return amount.quantize(Decimal("0.01"))


def _count(checker: RowChecker, number: int, record: dict) -> int:
    text = record.get("low_stock_threshold", "")
    if not text:
        return 0
    if not text.isdigit() or int(text) > THRESHOLD_MAX:
        checker.add(
            number,
            "low_stock_threshold",
            _("“%(value)s” is not a whole number of 0 or more.") % {"value": text},
        )
        return 0
    return int(text)


def _models(checker: RowChecker, number: int, record: dict, products: dict) -> list[Product]:
    codes = [c.strip() for c in SEPARATORS.split(record.get("compatible_models", "")) if c.strip()]
    unknown = [code for code in codes if code.lower() not in products]
    if unknown:
        checker.add(
            number,
            "compatible_models",
            _("Unknown model codes: %(codes)s.") % {"codes": ", ".join(unknown)},
        )
    return [products[code.lower()] for code in codes if code.lower() in products]


@transaction.atomic
def parts_import(*, tenant: Tenant, actor: Membership | None, rows: list[PartRow]) -> dict:
    """Create or update a part for every checked row, all or none; each audited."""
    existing = _parts_numbered([row.part_number for row in rows])
    created = updated = 0
    for row in rows:
        part = existing.get(row.part_number)
        if part is None:
            part = Part(tenant=tenant)
            row.values["part_number"] = row.part_number
            created += 1
        else:
            updated += 1
        audit_save(tenant=tenant, actor=actor, instance=part, values=row.values)
    return {"created": created, "updated": updated}


def _parts_numbered(numbers: list[str]) -> dict[str, Part]:
    """The parts with these numbers, locked, by normalised number: numbers typed before this
    import may differ in case or spaces."""
    found: dict[str, Part] = {}
    parts = Part.objects.annotate(normalised=Upper(Trim("part_number"))).select_for_update()
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        for part in parts.filter(normalised__in=numbers[start : start + LOOKUP_CHUNK]):
            found[part.normalised] = part
    return found
