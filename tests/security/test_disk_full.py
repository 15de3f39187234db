"""The disk fills up while an attachment is stored: the reply is refused with a clear error on
the form (the typed text kept), nothing is written, and no partial file stays behind."""

import errno

import pytest
from django.core.files import File
from django.urls import reverse
from django_scopes import scope

from helpdesk.platform.uploads import CleanFileSystemStorage
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.security.helpers import PNG, TEXT, stored_files, upload
from tests.tickets.helpers import make_ticket
from tickets.models import Message

FULL_AFTER_BYTES = 8


class FillingUp(File):
    """The upload's bytes, until the disk is "full" after ``FULL_AFTER_BYTES``."""

    def chunks(self, chunk_size=None):
        for chunk in self.file.chunks():
            yield chunk[:FULL_AFTER_BYTES]
            raise OSError(errno.ENOSPC, "No space left on device")


class FullDiskStorage(CleanFileSystemStorage):
    """The project's file storage on a disk that fills up part-way through a file."""

    def _save(self, name, content):
        return super()._save(name, FillingUp(content, name))


@pytest.fixture
def full_disk(settings):
    storages = dict(settings.STORAGES)
    storages["default"] = {"BACKEND": "tests.security.test_disk_full.FullDiskStorage"}
    settings.STORAGES = storages


@pytest.fixture
def ticket(tenant_a):
    with scope(tenant=tenant_a):
        return make_ticket(tenant_a)


def messages_of(ticket) -> int:
    with scope(tenant=ticket.tenant):
        return Message.objects.count()


def test_a_reply_on_a_full_disk_keeps_its_text_and_leaves_no_file(admin_a, ticket, full_disk):
    url = reverse("ticket_reply", kwargs={"number": ticket.number})
    files = [upload("a.txt", TEXT), upload("b.png", PNG + b"\x00" * 64)]
    response = client_for(admin_a).post(
        url, {"body": "Replaced the pump", "kind": "public", "attachments": files}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The server has no room to store the attachments" in page
    assert "Replaced the pump" in page
    assert messages_of(ticket) == 0
    assert stored_files() == []


def test_the_api_answers_a_full_disk_naming_the_attachments(admin_a, ticket, full_disk):
    url = f"/api/v1/tickets/{ticket.number}/messages/"
    response = token_client(admin_a).post(
        url, {"body": "x", "attachments": [upload("a.txt", TEXT)]}
    )
    assert response.status_code == 400
    assert "The server has no room" in response.json()["attachments"][0]
    assert messages_of(ticket) == 0
    assert stored_files() == []
