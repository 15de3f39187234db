"""Builders for the bad-input and web-security tests."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

# The first bytes of each accepted type, enough to pass the content check.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
TEXT = "Fehlercode E21, 错误代码 E21\r\n".encode()
# Content that must never be accepted under an image's name.
HTML_PAGE = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ELF_PROGRAM = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[Path]:
    """Every file in the media storage (each test has its own MEDIA_ROOT)."""
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def tenant_row_counts(tenant) -> dict[str, int]:
    """How many rows of each tenant-owned model the tenant has."""
    owned = [m for m in apps.get_models() if any(f.name == "tenant" for f in m._meta.fields)]
    with scope(tenant=tenant):
        return {model._meta.label: model.objects.count() for model in owned}
