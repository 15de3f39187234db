"""A ticket's messages (replies, notes, attachments) and its audit trail through the API."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from tests.api.conftest import patch_json, post_json
from tests.tickets.helpers import make_ticket
from tickets import services
from tickets.models import Status


def messages_url(ticket):
    return f"/api/v1/tickets/{ticket.number}/messages/"


def events_url(ticket):
    return f"/api/v1/tickets/{ticket.number}/events/"


def test_it_posts_a_public_reply_that_opens_the_ticket(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    response = post_json(api_a, messages_url(ticket), {"body": "We are on it."})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["body"]) == ("public", "We are on it.")
    assert body["author_member"]["id"] == admin_a.pk
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_responded_at is not None
    listed = api_a.get(messages_url(ticket)).json()["results"]
    assert [m["body"] for m in listed] == ["We are on it."]


def test_it_posts_an_internal_note_that_changes_nothing_for_the_customer(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    response = post_json(api_a, messages_url(ticket), {"body": "Part ordered", "kind": "internal"})
    assert response.status_code == 201
    assert response.json()["kind"] == "internal"
    with scope(tenant=tenant_a):
        ticket.refresh_from_db()
    assert (ticket.status, ticket.first_responded_at) == (Status.NEW, None)
    assert api_a.get(messages_url(ticket)).json()["results"][0]["kind"] == "internal"


def test_it_takes_attachments_as_multipart(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    photo = SimpleUploadedFile("leak.png", b"\x89PNG\r\n\x1a\n...", content_type="image/png")
    response = api_a.post(messages_url(ticket), {"body": "Photo attached", "attachments": [photo]})
    assert response.status_code == 201, response.json()
    [attachment] = response.json()["attachments"]
    assert (attachment["name"], attachment["size_bytes"]) == ("leak.png", 11)


def test_it_refuses_a_forbidden_file_type_naming_attachments(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = api_a.post(messages_url(ticket), {"body": "see file", "attachments": [script]})
    assert response.status_code == 400
    assert "attachments" in response.json()
    with scope(tenant=tenant_a):
        assert ticket.messages.count() == 0


def test_it_refuses_a_blank_body_and_a_closed_ticket(api_a, tenant_a, admin_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    blank = post_json(api_a, messages_url(ticket), {"body": "   "})
    assert blank.status_code == 400 and "body" in blank.json()
    with scope(tenant=tenant_a):
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.CLOSED)
    closed = post_json(api_a, messages_url(ticket), {"body": "hello?"})
    assert closed.status_code == 400
    assert "status" in closed.json()


def test_it_lists_the_audit_trail_oldest_first_in_cursor_pages(api_a, tenant_a):
    with scope(tenant=tenant_a):
        ticket = make_ticket(tenant_a)
    for priority in ("high", "urgent", "low"):
        assert patch_json(api_a, f"/api/v1/tickets/{ticket.number}/", {"priority": priority})
    first = api_a.get(events_url(ticket), {"page_size": 2}).json()
    assert first["results"][0]["action"] == "created"
    rest = api_a.get(first["next"]).json()
    events = first["results"] + rest["results"]
    changes = [(e["field"], e["old_value"], e["new_value"]) for e in events if e["field"]]
    assert changes[-3:] == [
        ("priority", "normal", "high"),
        ("priority", "high", "urgent"),
        ("priority", "urgent", "low"),
    ]
    assert len({e["id"] for e in events}) == len(events)
    assert events[-1]["actor_label"]
