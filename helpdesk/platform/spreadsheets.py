"""Tables uploaded for import, from CSV or XLSX, as rows of text.

Both kinds come out the same way: a header row of lower-case column names, then
``(row number, {column: text})`` per data row, numbered as a spreadsheet shows them (the
header is row 1). Every value is text, so the importers parse one format only: a real Excel
date becomes ``YYYY-MM-DD``, a whole number ``12345`` (not ``12345.0``: serial numbers are
often typed as numbers), an empty cell ``""``.

CSV goes through ``helpdesk.platform.csvfiles`` (size limit, UTF-8 with or without BOM,
GB18030). XLSX is read with openpyxl in read-only mode (streamed, not loaded whole) and with
``data_only``: a formula is never evaluated here, its value is the one the spreadsheet program
saved (none if it never saved one). Only the first sheet is read, and at most ``MAX_ROWS``
rows, so neither a huge sheet nor a compressed bomb holds a worker for long.
"""

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from helpdesk.platform.csvfiles import (
    MAX_IMPORT_BYTES,
    CsvFileError,
    csv_records,
    dict_reader,
    read_csv_upload,
)

MAX_ROWS = 50_000
ZIP_MAGIC = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".txt")
# The key of a row that has more values than the header has columns (often an unquoted comma
# in an address): the importer reports the row instead of reading shifted values.
OVERFLOW = "\x00overflow"


class TableFileError(CsvFileError):
    """The file cannot be read as a table at all; ``message`` says why, for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    # Releases what reading holds open (a workbook's archive) when the rows are not all read.
    close: Callable[[], None] = lambda: None


def table_kind(file: File, name: str) -> str:
    """``"xlsx"`` or ``"csv"`` from the file's first bytes and name; ``TableFileError`` for
    anything else (an old ``.xls``, a PDF, …)."""
    file.seek(0)
    start = file.read(4)
    file.seek(0)
    if start == ZIP_MAGIC:
        return "xlsx"
    if name.lower().endswith(CSV_SUFFIXES):
        return "csv"
    raise TableFileError(_("Upload a CSV file or an Excel workbook (.xlsx)."))


def read_table(file: File, name: str) -> Table:
    """The table in ``file`` (CSV or XLSX, told apart by ``table_kind``). Raises
    ``TableFileError`` for a file too large, of another kind, or unreadable."""
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise TableFileError(
            _("The file is larger than %(limit)s; split it into several files.")
            % {"limit": filesizeformat(MAX_IMPORT_BYTES)}
        )
    if table_kind(file, name) == "xlsx":
        return _xlsx_table(file)
    return _csv_table(file)


def table_headers(file: File, name: str) -> list[str]:
    """The column names of the table in ``file``, without reading its rows (for a form that
    checks an upload before queueing it). Raises ``TableFileError`` as ``read_table`` does."""
    table = read_table(file, name)
    table.close()
    file.seek(0)
    return table.headers


def _csv_table(file: File) -> Table:
    try:
        reader = dict_reader(read_csv_upload(file))
        headers = _headers(reader.fieldnames or [])
    except CsvFileError as error:
        raise TableFileError(error.message) from None
    reader.fieldnames = headers
    return Table(headers, _bounded(_csv_rows(reader)))


def _csv_rows(reader) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        for number, record in csv_records(reader):
            values = {key: _csv_text(value) for key, value in record.items() if key}
            if None in record:
                values[OVERFLOW] = "1"
            yield number, values
    except CsvFileError as error:
        raise TableFileError(error.message) from None


def _csv_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _xlsx_table(file: File) -> Table:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = _headers([_cell_text(value) for value in next(rows, ())])
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, IndexError):
        raise TableFileError(
            _("The file is not an Excel workbook (.xlsx) that can be read.")
        ) from None
    return Table(headers, _bounded(_xlsx_rows(workbook, rows, headers)), workbook.close)


def _xlsx_rows(workbook, rows, headers: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        for number, values in enumerate(rows, start=2):
            texts = [_cell_text(value) for value in values]
            if not any(texts):
                continue  # blank rows in the middle or at the end of a sheet
            values = dict(zip(headers, (texts + [""] * len(headers))[: len(headers)], strict=True))
            if any(texts[len(headers) :]):
                values[OVERFLOW] = "1"
            yield number, values
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return str(value).strip()


def _headers(names: list) -> list[str]:
    headers = [(name or "").strip().lower() for name in names]
    if not any(headers):
        raise TableFileError(_("The first row must name the columns."))
    return headers


def _bounded(rows: Iterator[tuple[int, dict[str, str]]]) -> Iterator[tuple[int, dict[str, str]]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TableFileError(
                _("At most %(count)s rows can be imported at once.") % {"count": MAX_ROWS}
            )
        yield row
