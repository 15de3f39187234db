"""Attachments: a file whose name lies about its content, an oversize file and too many files
are refused with a clear error by every way in (reply composer, phone intake, portal, API)
and leave nothing behind; a stored file is served so that no browser runs it."""

import os

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer
from helpdesk.platform.uploads import OversizedUpload, upload_cap
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.customers.helpers import web_form
from tests.security.helpers import (
    ELF_PROGRAM,
    GIF,
    HTML_PAGE,
    JPEG,
    PDF,
    PNG,
    SVG_WITH_SCRIPT,
    TEXT,
    WEBP,
    WINDOWS_PROGRAM,
    ZIP,
    stored_files,
    upload,
)
from tests.tickets.helpers import make_ticket
from tickets import services
from tickets.attachments import content_matches
from tickets.models import Attachment, Message, Ticket

# (file name, content, what the uploader claims it is)
LIARS = [
    ("photo.png", HTML_PAGE, "image/png"),
    ("photo.png", ELF_PROGRAM, "image/png"),
    ("photo.png", WINDOWS_PROGRAM, "image/png"),
    ("logo.png", SVG_WITH_SCRIPT, "image/png"),
    ("scan.jpg", PDF, "image/jpeg"),
    ("invoice.pdf", HTML_PAGE, "application/pdf"),
    ("picture.webp", PNG, "image/webp"),
    ("animation.gif", JPEG, "image/gif"),
    ("report.docx", WINDOWS_PROGRAM, "application/octet-stream"),
    ("archive.zip", PDF, "application/zip"),
    ("readme.txt", ELF_PROGRAM, "text/plain"),
]
HONEST = [
    ("photo.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("anim.gif", GIF, "image/gif"),
    ("shot.webp", WEBP, "image/webp"),
    ("manual.pdf", PDF, "application/pdf"),
    ("report.docx", ZIP, "application/octet-stream"),
    ("sheet.xlsx", ZIP, "application/octet-stream"),
    ("logs.zip", ZIP, "application/zip"),
    ("error.log", TEXT, "text/plain"),
    ("notes.txt", TEXT, "text/plain"),
    ("list.csv", b"name,email\r\nLi Lei,li@example.test\r\n", "text/csv"),
]


@pytest.fixture(autouse=True)
def _no_rate_limit():
    cache.clear()  # the portal's per-address limit counts in the cache


@pytest.fixture
def ticket(tenant_a):
    with scope(tenant=tenant_a):
        return make_ticket(tenant_a)


def reply_url(ticket) -> str:
    return reverse("ticket_reply", kwargs={"number": ticket.number})


def assert_nothing_stored(tenant, *, messages=0, tickets=None):
    with scope(tenant=tenant):
        assert Message.objects.count() == messages
        assert Attachment.objects.count() == 0
        if tickets is not None:
            assert Ticket.objects.count() == tickets
    assert stored_files() == []


# --- content that does not match the name -----------------------------------------------------


@pytest.mark.parametrize(("name", "content", "claimed"), LIARS)
def test_it_refuses_a_reply_attachment_whose_name_lies(admin_a, ticket, name, content, claimed):
    response = client_for(admin_a).post(
        reply_url(ticket),
        {"body": "See file", "kind": "public", "attachments": [upload(name, content, claimed)]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    extension = name.rsplit(".", 1)[1]
    assert f"{name}: the content is not a .{extension} file; it was not accepted." in page
    assert "See file</textarea>" in page  # what was typed is kept
    assert_nothing_stored(ticket.tenant)


def test_it_refuses_a_lying_file_at_phone_intake_and_keeps_no_new_customer(admin_a, tenant_a):
    response = client_for(admin_a).post(
        "/tickets/new/",
        {
            "customer_email": "new.caller@example.test",
            "subject": "Washer leaks",
            "priority": "normal",
            "channel": "phone",
            "attachments": [upload("photo.png", HTML_PAGE, "image/png")],
        },
    )
    assert response.status_code == 400
    assert "photo.png: the content is not a .png file" in response.content.decode()
    assert_nothing_stored(tenant_a, tickets=0)
    with scope(tenant=tenant_a):
        assert not Customer.objects.exists()


def test_it_refuses_a_lying_file_on_the_portal_form(tenant_a):
    response = client_for().post(
        "/support/", {**web_form(), "attachments": [upload("logo.png", SVG_WITH_SCRIPT)]}
    )
    assert response.status_code == 400
    assert "logo.png: the content is not a .png file" in response.content.decode()
    assert_nothing_stored(tenant_a, tickets=0)
    with scope(tenant=tenant_a):
        assert not Customer.objects.exists()


def test_it_refuses_a_lying_file_on_the_api_naming_attachments(admin_a, ticket):
    api = token_client(admin_a)
    messages_url = f"/api/v1/tickets/{ticket.number}/messages/"
    response = api.post(messages_url, {"body": "x", "attachments": [upload("a.jpg", PDF)]})
    assert response.status_code == 400
    assert response.json() == {
        "attachments": ["a.jpg: the content is not a .jpg file; it was not accepted."]
    }
    create = api.post(
        "/api/v1/tickets/",
        {
            "subject": "Leak",
            "customer_email": "someone.new@example.test",
            "attachments": [upload("photo.png", ELF_PROGRAM)],
        },
    )
    assert create.status_code == 400 and "attachments" in create.json()
    assert_nothing_stored(ticket.tenant, tickets=1)
    with scope(tenant=ticket.tenant):
        assert not Customer.objects.filter(email="someone.new@example.test").exists()


@pytest.mark.parametrize(("name", "content", "claimed"), HONEST)
def test_it_accepts_each_allowed_type_with_matching_content(
    admin_a, ticket, name, content, claimed
):
    response = client_for(admin_a).post(
        reply_url(ticket),
        {"body": "See file", "kind": "public", "attachments": [upload(name, content, claimed)]},
    )
    assert response.status_code == 302
    with scope(tenant=ticket.tenant):
        attachment = Attachment.objects.get()
    assert attachment.original_name == name
    assert attachment.file.read() == content  # stored from its first byte on


def test_it_records_the_type_of_the_name_not_the_uploaders_claim(admin_a, ticket):
    client_for(admin_a).post(
        reply_url(ticket),
        {"body": "x", "kind": "public", "attachments": [upload("p.png", PNG, "text/html")]},
    )
    with scope(tenant=ticket.tenant):
        assert Attachment.objects.get().content_type == "image/png"


def test_it_refuses_markup_and_programs_under_an_extension_it_has_no_signature_for(settings):
    settings.HELPDESK_ATTACHMENT_EXTENSIONS = [*settings.HELPDESK_ATTACHMENT_EXTENSIONS, "heic"]
    assert content_matches("heic", b"\x00\x00\x00\x18ftypheic")
    for content in (HTML_PAGE, SVG_WITH_SCRIPT, b"\xef\xbb\xbf  <HTML>", ELF_PROGRAM, b"#!/bin/sh"):
        assert not content_matches("heic", content)


# --- size and number ---------------------------------------------------------------------------


def test_it_refuses_an_oversize_file_everywhere_and_stores_nothing(admin_a, ticket, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1024
    big = PNG + b"\x00" * 1024
    response = client_for(admin_a).post(
        reply_url(ticket),
        {"body": "x", "kind": "public", "attachments": [upload("big.png", big)]},
    )
    assert response.status_code == 400
    assert "big.png is larger than 1.0\xa0KB." in response.content.decode()
    api = token_client(admin_a).post(
        f"/api/v1/tickets/{ticket.number}/messages/",
        {"body": "x", "attachments": [upload("big.png", big)]},
    )
    assert api.status_code == 400 and "larger than" in api.json()["attachments"][0]
    portal = client_for().post("/support/", {**web_form(), "attachments": [upload("b.png", big)]})
    assert portal.status_code == 400 and "b.png is larger than" in portal.content.decode()
    assert_nothing_stored(ticket.tenant, tickets=1)


def test_a_file_past_every_limit_is_not_kept_while_it_arrives(rf):
    """The temporary file stops growing at the cap; the form gets the real size to refuse."""
    cap = upload_cap()
    size = cap + 3 * 64 * 1024
    request = rf.post("/", {"attachments": [upload("huge.png", PNG + b"\x00" * (size - len(PNG)))]})
    (received,) = request.FILES.getlist("attachments")
    assert isinstance(received, OversizedUpload)
    assert (received.name, received.size) == ("huge.png", size)
    assert received.read() == b""
    on_disk = [h.file for h in request.upload_handlers if isinstance(h, TemporaryFileUploadHandler)]
    assert os.fstat(on_disk[0].fileno()).st_size <= cap


def test_a_file_under_the_cap_arrives_whole(rf):
    content = PNG + bytes(range(256)) * 12_000  # about 3 MB: past the in-memory limit, on disk
    request = rf.post("/", {"attachments": [upload("scan.png", content)]})
    (received,) = request.FILES.getlist("attachments")
    assert not isinstance(received, OversizedUpload)
    assert received.size == len(content) and received.read() == content


def test_an_attachment_past_the_cap_is_refused_by_its_size(admin_a, ticket):
    huge = PNG + b"\x00" * upload_cap()
    response = client_for(admin_a).post(
        reply_url(ticket),
        {"body": "x", "kind": "public", "attachments": [upload("huge.png", huge)]},
    )
    assert response.status_code == 400
    assert "huge.png is larger than 10.0\xa0MB." in response.content.decode()
    assert_nothing_stored(ticket.tenant)


def test_it_refuses_too_many_files_with_a_page_that_says_so(admin_a, ticket, settings):
    files = [upload(f"f{n}.txt", TEXT) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client_for(admin_a).post(
        reply_url(ticket), {"body": "x", "kind": "public", "attachments": files}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Too many files: send at most 10 at once. Nothing was saved." in page
    assert "<title>The request was not accepted" in page  # the product's page, translated
    assert_nothing_stored(ticket.tenant)


def test_it_refuses_too_many_files_on_the_api_as_json(admin_a, ticket, settings):
    files = [upload(f"f{n}.txt", TEXT) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = token_client(admin_a).post(
        f"/api/v1/tickets/{ticket.number}/messages/", {"body": "x", "attachments": files}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Too many files: send at most 10 at once. Nothing was saved."
    }
    assert_nothing_stored(ticket.tenant)


# --- serving -------------------------------------------------------------------------------------


def stored_attachment(ticket, agent, name: str, content: bytes) -> Attachment:
    """An attachment as it may sit in storage from before the content check (or any check)."""
    with scope(tenant=ticket.tenant):
        message = services.ticket_reply(ticket=ticket, actor=agent, body="file")
        return Attachment.objects.create(
            tenant_id=ticket.tenant_id,
            message=message,
            file=ContentFile(content, name="stored"),
            original_name=name,
            content_type="text/html",  # a lying claim recorded by an older version
            size_bytes=len(content),
        )


@pytest.mark.parametrize(
    ("name", "content", "disposition", "content_type"),
    [
        ("photo.png", PNG, "inline", "image/png"),
        ("photo.jpg", JPEG, "inline", "image/jpeg"),
        ("anim.gif", GIF, "inline", "image/gif"),
        ("shot.webp", WEBP, "inline", "image/webp"),
        ("logo.svg", SVG_WITH_SCRIPT, "attachment", "image/svg+xml"),
        ("page.html", HTML_PAGE, "attachment", "text/html"),
        ("manual.pdf", PDF, "attachment", "application/pdf"),
        ("notes.txt", HTML_PAGE, "attachment", "text/plain"),
        ("program", ELF_PROGRAM, "attachment", "application/octet-stream"),
    ],
)
def test_it_shows_only_safe_raster_images_inline(
    admin_a, ticket, name, content, disposition, content_type
):
    attachment = stored_attachment(ticket, admin_a, name, content)
    url = reverse("ticket_attachment", kwargs={"number": ticket.number, "pk": attachment.pk})
    response = client_for(admin_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_portal_serves_files_with_the_same_headers(admin_a, ticket, tenant_a):
    from customers import tokens

    attachment = stored_attachment(ticket, admin_a, "page.html", HTML_PAGE)
    token = tokens.follow_token(tenant_id=tenant_a.pk, ticket_id=ticket.pk)
    response = client_for().get(f"/support/t/{token}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
