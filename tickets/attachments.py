"""Upload rules for attachments: size limit and allowed types, from settings."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def validate_upload(upload: UploadedFile) -> None:
    max_bytes = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "attachments": _("%(name)s is larger than %(limit)s.")
                % {"name": upload.name, "limit": filesizeformat(max_bytes)}
            }
        )
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if extension not in settings.HELPDESK_ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            {
                "attachments": _(
                    "%(name)s: files of this type are not accepted (allowed: %(types)s)."
                )
                % {"name": upload.name, "types": ", ".join(settings.HELPDESK_ATTACHMENT_EXTENSIONS)}
            }
        )
