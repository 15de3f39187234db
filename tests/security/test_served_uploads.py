"""Uploads are served so a browser never runs them: text files holding HTML or script are
downloads, only raster images are shown inline, and every answer forbids sniffing and runs
under a sandboxing policy that loads nothing."""

import pytest
from django.urls import reverse
from django_scopes import scope

from tests.conftest import client_for
from tests.security.helpers import PNG, upload
from tests.tickets.helpers import make_ticket
from tickets.models import Attachment

SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    ("name", "content", "disposition"),
    [
        ("notes.txt", SCRIPT, "attachment"),
        ("server.log", SCRIPT, "attachment"),
        ("export.csv", b"a,b\n<script>alert(1)</script>,1\n", "attachment"),
        ("photo.png", PNG, "inline"),
    ],
)
def test_it_serves_an_upload_as_a_sandboxed_download_unless_a_raster_image(
    admin_a, tenant_a, name, content, disposition
):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    client = client_for(admin_a)
    url = reverse("ticket_reply", kwargs={"number": ticket.number})
    client.post(url, {"body": "file", "kind": "public", "attachments": [upload(name, content)]})
    with scope(tenant=tenant_a):
        attachment = Attachment.objects.get()
    response = client.get(
        reverse("ticket_attachment", kwargs={"number": ticket.number, "pk": attachment.pk})
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert {"sandbox", "default-src 'none'"} <= policy
