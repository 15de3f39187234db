"""Importing registered units from a CSV or XLSX table, in a background job.

Columns (header row, any order, case-insensitive): ``serial``, ``model_code``,
``customer_email`` or ``customer_phone``, ``purchased_on``, ``purchase_channel``,
``installation_address``, ``installed_on``. Dates are ``YYYY-MM-DD`` (or real Excel dates).

Every row is checked first; one wrong row and nothing is imported, and the job lists every
problem by row and column. Otherwise all rows are registered in one transaction through
``products.services.unit_register``, which audits each unit.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from helpdesk.background_jobs import JobContext, JobRowErrors, RowChecker, job_handler
from helpdesk.models import Membership, Tenant
from helpdesk.platform.spreadsheets import read_table
from products.models import SERIAL_MAX_LENGTH, Product, Unit, normalise_serial
from products.services import unit_register

KIND = "units_import"
COLUMNS = (
    "serial",
    "model_code",
    "customer_email",
    "customer_phone",
    "purchased_on",
    "purchase_channel",
    "installation_address",
    "installed_on",
)
REQUIRED_COLUMNS = ("serial", "model_code", "purchased_on")
# One of these names the owner.
CUSTOMER_COLUMNS = ("customer_email", "customer_phone")
LOOKUP_CHUNK = 500


def missing_columns(headers: list[str]) -> list[str]:
    """The required columns a header row lacks (for the upload form)."""
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if not set(CUSTOMER_COLUMNS) & set(headers):
        missing.append(" / ".join(CUSTOMER_COLUMNS))
    return missing


@dataclass
class UnitRow:
    row: int
    serial: str
    product: Product | None = None
    customer: Customer | None = None
    purchased_on: date | None = None
    installed_on: date | None = None
    purchase_channel: str = ""
    installation_address: str = ""


@job_handler(KIND)
def units_import_job(context: JobContext) -> dict:
    """Read, check and import the job's table of units."""
    with context.job.file.open("rb") as file:
        table = read_table(file, context.job.file_name)
        records = list(table.rows)
    context.progress.start(len(records))
    rows = units_check(tenant=context.tenant, records=records, progress=context.progress)
    units_import(tenant=context.tenant, actor=context.job.created_by, rows=rows)
    return {"created": len(rows)}


def units_check(*, tenant: Tenant, records: list[tuple[int, dict]], progress) -> list[UnitRow]:
    """Every row checked against the file and the database; ``JobRowErrors`` listing every
    problem if any. Precondition: the tenant's scope is active."""
    if not records:
        raise JobRowErrors([{"row": 1, "field": "", "message": _("The file has no rows.")}])
    lookups = _Lookups.load(records)
    today = _tenant_today(tenant)
    checker, rows, seen = RowChecker(), [], {}
    for done, (number, record) in enumerate(records, start=1):
        rows.append(_check_row(checker, lookups, seen, today, number, record))
        progress.step(done)
    if checker.errors:
        raise JobRowErrors(checker.errors)
    return rows


def _tenant_today(tenant: Tenant) -> date:
    # The worker's active time zone is the server's; "in the future" is the tenant's date.
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


@dataclass
class _Lookups:
    products: dict[str, Product]
    by_email: dict[str, list[Customer]]
    by_phone: dict[str, list[Customer]]
    registered: set[str]

    @classmethod
    def load(cls, records: list[tuple[int, dict]]) -> "_Lookups":
        values = {column: set() for column in ("serial", "customer_email", "customer_phone")}
        for _number, record in records:
            values["serial"].add(normalise_serial(record.get("serial", "")))
            values["customer_email"].add(record.get("customer_email", "").lower())
            values["customer_phone"].add(record.get("customer_phone", ""))
        products = {p.model_code.lower(): p for p in Product.objects.all()}
        return cls(
            products=products,
            by_email=_customers_by("email", values["customer_email"]),
            by_phone=_customers_by("phone", values["customer_phone"]),
            registered=_registered(values["serial"]),
        )


def _customers_by(field: str, values: set[str]) -> dict[str, list[Customer]]:
    """Customers by lower-case e-mail address or by phone, for the values the file names."""
    found: dict[str, list[Customer]] = {}
    wanted = sorted(value for value in values if value)
    customers = Customer.objects.select_related("organization").annotate(
        key=Lower(field) if field == "email" else F(field)
    )
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        for customer in customers.filter(key__in=wanted[start : start + LOOKUP_CHUNK]):
            found.setdefault(customer.key, []).append(customer)
    return found


def _registered(serials: set[str]) -> set[str]:
    wanted = sorted(serial for serial in serials if serial)
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(Unit.objects.filter(serial__in=chunk).values_list("serial", flat=True))
    return found


def _check_row(checker, lookups, seen, today, number, record) -> UnitRow:
    checker.shape(number, record)
    row = UnitRow(row=number, serial=_serial(checker, lookups, seen, number, record))
    row.product = _product(checker, lookups, number, record)
    row.customer = _customer(checker, lookups, number, record)
    row.purchased_on = checker.date(number, record, "purchased_on")
    row.installed_on = checker.date(number, record, "installed_on")
    row.purchase_channel = record.get("purchase_channel", "")
    row.installation_address = record.get("installation_address", "")
    _check_dates(checker, number, record, row, today)
    if len(row.purchase_channel) > 200:
        checker.add(number, "purchase_channel", _("A value is too long."))
    return row


def _serial(checker, lookups, seen, number, record) -> str:
    serial = normalise_serial(record.get("serial", ""))
    if not serial:
        checker.add(number, "serial", _("Give the serial number."))
    elif len(serial) > SERIAL_MAX_LENGTH:
        checker.add(
            number,
            "serial",
            _("A serial number has at most %(n)s characters.") % {"n": SERIAL_MAX_LENGTH},
        )
    elif serial in lookups.registered:
        checker.add(number, "serial", _("A unit with this serial number is registered already."))
    elif serial in seen:
        checker.add(
            number,
            "serial",
            _("This serial number is also in row %(row)s.") % {"row": seen[serial]},
        )
    else:
        seen[serial] = number
    return serial


def _product(checker, lookups, number, record) -> Product | None:
    code = record.get("model_code", "")
    product = lookups.products.get(code.lower()) if code else None
    if not code:
        checker.add(number, "model_code", _("Give the model code."))
    elif product is None:
        checker.add(number, "model_code", _("Unknown model code “%(code)s”.") % {"code": code})
    return product


def _customer(checker, lookups, number, record) -> Customer | None:
    email = record.get("customer_email", "").lower()
    phone = record.get("customer_phone", "")
    field, value, matches = (
        ("customer_email", email, lookups.by_email.get(email, []))
        if email
        else ("customer_phone", phone, lookups.by_phone.get(phone, []))
    )
    if not value:
        checker.add(number, "customer_email", _("Give the customer's e-mail address or phone."))
    elif not matches:
        checker.add(number, field, _("No customer has “%(value)s”.") % {"value": value})
    elif len(matches) > 1:
        checker.add(
            number,
            field,
            _("Several customers have “%(value)s”; use the e-mail address.") % {"value": value},
        )
    else:
        return matches[0]
    return None


def _check_dates(checker, number, record, row: UnitRow, today: date) -> None:
    if row.purchased_on is None:
        if not record.get("purchased_on"):
            checker.add(number, "purchased_on", _("Give the purchase date."))
        return
    if row.purchased_on > today:
        checker.add(number, "purchased_on", _("The purchase date cannot be in the future."))
    if row.installed_on is not None and row.installed_on < row.purchased_on:
        checker.add(number, "installed_on", _("The installation cannot come before the purchase."))


@transaction.atomic
def units_import(*, tenant: Tenant, actor: Membership | None, rows: list[UnitRow]) -> int:
    """Register every checked row, all or none. A serial registered since the check (another
    registration at the same moment) rolls everything back and is reported by row."""
    today = _tenant_today(tenant)
    for row in rows:
        try:
            unit_register(
                tenant=tenant,
                actor=actor,
                serial=row.serial,
                product=row.product,
                customer=row.customer,
                purchased_on=row.purchased_on,
                purchase_channel=row.purchase_channel,
                installation_address=row.installation_address,
                installed_on=row.installed_on,
                today=today,
            )
        except ValidationError as error:
            raise JobRowErrors(_row_errors(row.row, error)) from None
    return len(rows)


def _row_errors(number: int, error: ValidationError) -> list[dict]:
    return [
        {"row": number, "field": field, "message": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]
