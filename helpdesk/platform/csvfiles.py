"""CSV files in and out: spreadsheet exports uploaded for import, and the CSV the desk writes.

In: an import is read whole in the request, so the file has a size limit; it must be UTF-8
(with or without the BOM spreadsheet programs write) or GB18030 text without NUL characters;
a row the csv module cannot read stops the import with the row's number. Rows are numbered
as a spreadsheet shows them (the header is row 1).

Out: a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before
one) is run as a formula when the file is opened in a spreadsheet program (CSV injection:
``=HYPERLINK(…)`` can leak data or start programs). Such text is written with a leading
apostrophe, which makes it plain text there; numbers (``-12.5``) stay as they are.
"""

import csv
import io
import re
from collections.abc import Iterator

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_IMPORT_BYTES = 5 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class CsvFileError(Exception):
    """The file cannot be imported at all; ``message`` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_csv_upload(upload: UploadedFile) -> str:
    """The file's text. Raises ``CsvFileError`` when it is too large or not CSV text."""
    if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
        raise CsvFileError(
            _("The file is larger than %(limit)s; split it into several files.")
            % {"limit": filesizeformat(MAX_IMPORT_BYTES)}
        )
    text = _decode(upload.read(MAX_IMPORT_BYTES + 1))
    if text is None:
        raise CsvFileError(_("The file is not UTF-8 or GB18030 text."))
    if "\x00" in text:
        raise CsvFileError(
            _("The file contains NUL characters, so it is not CSV text. Save it as CSV.")
        )
    return text


def _decode(raw: bytes) -> str | None:
    # Spreadsheets in China often save CSV as GB18030 rather than UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def dict_reader(text: str) -> csv.DictReader:
    """A reader whose header row has been read. Raises ``CsvFileError`` if it cannot be."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        reader.fieldnames  # noqa: B018 - reading the property reads the header row
    except csv.Error:
        raise CsvFileError(_unreadable(1)) from None
    return reader


def csv_records(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    """``(row number, record)`` for each data row. Raises ``CsvFileError`` naming the row the
    csv module could not read (a value beyond its field limit, often an unclosed quote that
    swallowed the rest of the file)."""
    number = 1
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise CsvFileError(_unreadable(number)) from None
        yield number, record


def _unreadable(row: int) -> str:
    return _("Row %(row)s could not be read: a value is too long (is a quote not closed?).") % {
        "row": row
    }


def has_missing_values(record: dict) -> bool:
    """A ``DictReader`` record of a row with fewer values than the header has columns."""
    return any(value is None for value in record.values())


def spreadsheet_safe(value: object) -> object:
    """``value`` as a spreadsheet program will show it, never run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value
