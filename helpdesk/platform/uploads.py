"""Uploads larger than any limit are not kept while they arrive.

Django's own handlers keep a whole upload, in memory and then in a temporary file, whatever its
size, and the forms check the size afterwards: a 5 GB "attachment" would be written to the
server's disk before being refused. ``SizeCapHandler`` comes first among the upload handlers
and counts each file's bytes. Once a file passes ``upload_cap()`` (the largest size any form
accepts) its further chunks go nowhere, and the form gets an empty stand-in that carries the
real size, so the form's own check refuses it with its usual message ("… is larger than …").
The request body is still read to its end: the client gets that message, not a reset
connection.
"""

import io
import os
from contextlib import suppress

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def upload_cap() -> int:
    """The largest file any form accepts: attachments, and CSV imports."""
    from helpdesk.platform.csvfiles import MAX_IMPORT_BYTES

    return max(settings.HELPDESK_ATTACHMENT_MAX_BYTES, MAX_IMPORT_BYTES)


class OversizedUpload(UploadedFile):
    """An upload refused while it arrived: no content, its real ``size`` above every limit."""

    def __init__(self, *, name: str, content_type: str, size: int, charset: str | None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class SizeCapHandler(FileUploadHandler):
    """Passes each chunk on to the next handlers until the file passes ``upload_cap()``."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.cap = upload_cap()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        # None: the handlers after this one get nothing more of this file.
        return raw_data if self.received <= self.cap else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= self.cap:
            return None  # the next handler's file, complete
        return OversizedUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
        )


class CleanFileSystemStorage(FileSystemStorage):
    """``FileSystemStorage`` that removes what it wrote of a file it could not finish (the
    disk filled up, a quota was reached): Django's leaves the partial file behind."""

    def _save(self, name: str, content) -> str:
        try:
            return super()._save(name, content)
        except OSError:
            # FileExistsError never gets here (the parent picks another name), so a file at
            # ``name`` is the one this call started.
            with suppress(OSError):
                os.remove(self.path(name))
            raise


# Documents a customer proves something with (a purchase invoice): a scan or a photo of it.
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


def document_refusal(upload: UploadedFile, *, max_bytes: int) -> str:
    """Why ``upload`` is not an acceptable PDF, JPEG or PNG document ("" if it is): too large,
    another type by its name, or content that is not what its name says (the uploader's
    Content-Type is never trusted). Leaves the file positioned at its start."""
    name = upload.name or ""
    if upload.size > max_bytes:
        return _("%(name)s is larger than %(limit)s.") % {
            "name": name,
            "limit": filesizeformat(max_bytes),
        }
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in DOCUMENT_SIGNATURES:
        return _("%(name)s: only PDF, JPEG or PNG files are accepted.") % {"name": name}
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(DOCUMENT_SIGNATURES[extension]):
        return _("%(name)s: the content is not a .%(extension)s file; it was not accepted.") % {
            "name": name,
            "extension": extension,
        }
    return ""
