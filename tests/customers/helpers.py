"""Builders for customer and portal tests."""

import re

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

FOLLOW_LINK = re.compile(r"https?://[^/\s]+(/support/t/[^/\s]+/)")
SIGN_IN_LINK = re.compile(r"https?://[^/\s]+(/support/sign-in/[^/\s]+/)")


def web_form(**overrides) -> dict:
    data = {
        "name": "Han Meimei",
        "email": "han.meimei@example.cn",
        "phone": "13800138000",
        "subject": "Fridge not cooling",
        "description": "Since yesterday the fridge is warm.",
        "category": "",
        "website": "",
    }
    return {**data, **overrides}


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nfake", content_type="image/png")


def link_in(mail, pattern=FOLLOW_LINK) -> str:
    """The path of the first link of this kind in an e-mail body."""
    match = pattern.search(mail.body)
    assert match, mail.body
    return match.group(1)


def clear_rate_limits() -> None:
    cache.clear()
