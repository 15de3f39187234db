"""Upload rules for attachments, and how a stored attachment is served.

Accepted: a size limit and an extension allow-list from settings, and content that is what the
extension says. The first bytes of each upload are compared with the signature of its type
(PNG, JPEG, GIF, WebP, PDF, the zip container of Office files); a text type must be text. A
file whose name lies about its content (an HTML page or a program called ``photo.png``, a PDF
called ``scan.jpg``, an SVG with script called ``logo.png``) is refused. An extension an
operator adds without a signature here is accepted unless the file looks like markup or a
program. The uploader's Content-Type header is never trusted: the type always comes from the
accepted name.

Served: only raster images browsers render safely are shown inline; everything else is a
download. Every response forbids sniffing and runs under a sandboxing policy.
"""

import mimetypes
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Enough for every signature below and for a fair look at the start of a text file.
SNIFF_BYTES = 4096
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries; an empty zip
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "pdf": (b"%PDF-",),
    "zip": ZIP,
    # Office Open XML and OpenDocument files are zip containers.
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
}
TEXT_EXTENSIONS = frozenset({"txt", "log", "csv"})
# Control characters that do not occur in text; tab, line feed, form feed, carriage return
# and escape (colours in logs) do.
BINARY_BYTES = (frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}) | {0x7F}
# Programs and markup a browser or an operating system would run, for unknown extensions.
EXECUTABLE_PREFIXES = (
    b"MZ",  # Windows
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # macOS (Mach-O), both byte orders, 32 and 64 bit, universal
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts
)
MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")
# Shown in the browser when opened; SVG is not one of them (it can carry script).
INLINE_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def validate_upload(upload: UploadedFile) -> None:
    """Raise ``ValidationError`` keyed ``attachments`` unless the file may be stored."""
    max_bytes = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise _refused(
            _("%(name)s is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(max_bytes)}
        )
    extension = extension_of(upload.name)
    if extension not in settings.HELPDESK_ATTACHMENT_EXTENSIONS:
        raise _refused(
            _("%(name)s: files of this type are not accepted (allowed: %(types)s).")
            % {"name": upload.name, "types": ", ".join(settings.HELPDESK_ATTACHMENT_EXTENSIONS)}
        )
    if not content_matches(extension, _head(upload)):
        raise _refused(
            _("%(name)s: the content is not a .%(extension)s file; it was not accepted.")
            % {"name": upload.name, "extension": extension}
        )


def _refused(text: str) -> ValidationError:
    return ValidationError({"attachments": text})


def extension_of(name: str | None) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _head(upload: UploadedFile) -> bytes:
    """The first bytes, leaving the file positioned at its start for storage."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def content_matches(extension: str, head: bytes) -> bool:
    """Whether a file starting with ``head`` is what ``extension`` says."""
    if extension in SIGNATURES:
        return head.startswith(SIGNATURES[extension])
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension in TEXT_EXTENSIONS:
        return is_text(head)
    return not _is_program_or_markup(head)


def is_text(head: bytes) -> bool:
    """No byte that text never has. Any ASCII-compatible encoding passes (UTF-8, GB18030)."""
    return not BINARY_BYTES.intersection(head)


def _is_program_or_markup(head: bytes) -> bool:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith(EXECUTABLE_PREFIXES) or start.startswith(MARKUP_PREFIXES)


def content_type_for(name: str) -> str:
    """The type we serve and record a file as: from its accepted name, never from the
    uploader's claim."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def attachment_response(file: FieldFile, *, name: str) -> FileResponse:
    """The stored file as an HTTP response. Precondition: the caller checked that the reader
    may see it. A file missing from storage is a 404."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = content_type_for(name)
    response = FileResponse(
        handle,
        as_attachment=content_type not in INLINE_CONTENT_TYPES,
        filename=name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response
