"""The ticket page and its POST actions: each goes through a service, errors never 500."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from helpdesk.models import Notification, Role
from tests.conftest import client_for
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    MembershipFactory,
    TeamFactory,
    TicketFactory,
    TierFactory,
    UserFactory,
)
from tests.tickets.helpers import properties_of
from tickets import services
from tickets.models import Attachment, Message, Status, Ticket, TicketEvent


@pytest.fixture
def ticket(tenant_a, team_a):
    customer = CustomerFactory(
        tenant=tenant_a,
        name="Li Lei",
        tier=TierFactory(tenant=tenant_a, name="VIP"),
        key_info="Hearing impaired: prefers text messages.",
    )
    return TicketFactory(tenant=tenant_a, team=team_a, customer=customer, subject="Washer leaks")


def url(name, ticket, **kwargs):
    return reverse(name, kwargs={"number": ticket.number, **kwargs})


def reload(ticket):
    with scope(tenant=ticket.tenant):
        return Ticket.objects.get(pk=ticket.pk)


def test_it_shows_the_ticket_with_customer_key_info_and_tier(agent_a, ticket):
    page = client_for(agent_a).get(url("ticket_detail", ticket)).content.decode()
    assert f"#{ticket.number}" in page and "Washer leaks" in page
    assert 'role="alert"' in page and "Hearing impaired: prefers text messages." in page
    assert "VIP" in page and "Li Lei" in page


def test_it_offers_only_the_allowed_status_transitions(admin_a, ticket):
    page = client_for(admin_a).get(url("ticket_detail", ticket)).content.decode()
    status_select = page.split('id="id_properties_status"')[1].split("</select>")[0]
    assert 'value="open"' in status_select and 'value="resolved"' in status_select
    assert 'value="closed"' not in status_select
    assert '<option value="new" selected>New (current)</option>' in status_select


def test_it_returns_404_to_an_agent_outside_the_tickets_team(tenant_a, agent_a, team_a):
    other = TicketFactory(tenant=tenant_a, team=TeamFactory(tenant=tenant_a, name="Billing"))
    client = client_for(agent_a)
    assert client.get(url("ticket_detail", other)).status_code == 404
    assert client.post(url("ticket_take", other)).status_code == 404
    assert reload(other).assignee is None


def test_it_lets_a_tenant_wide_role_open_any_team_ticket(tenant_a, team_a):
    lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
    other = TicketFactory(tenant=tenant_a, team=TeamFactory(tenant=tenant_a, name="Billing"))
    assert client_for(lead).get(url("ticket_detail", other)).status_code == 200


# --- thread -----------------------------------------------------------------------------------


def test_it_sends_a_public_reply(agent_a, ticket):
    response = client_for(agent_a).post(
        url("ticket_reply", ticket), {"body": "We will call you.", "kind": "public"}
    )
    assert response.status_code == 302
    ticket = reload(ticket)
    assert ticket.status == Status.OPEN and ticket.first_responded_at is not None
    with scope(tenant=ticket.tenant):
        message = ticket.messages.get()
    assert (message.kind, message.body, message.author_member) == (
        "public",
        "We will call you.",
        agent_a,
    )


def test_it_adds_an_internal_note_shown_apart_from_replies(agent_a, ticket):
    client = client_for(agent_a)
    client.post(url("ticket_reply", ticket), {"body": "Check the pump.", "kind": "internal"})
    ticket = reload(ticket)
    assert ticket.status == Status.NEW and ticket.first_responded_at is None
    page = client.get(url("ticket_detail", ticket)).content.decode()
    assert 'class="thread-item is-internal"' in page and "Internal note" in page


def test_it_keeps_the_typed_body_when_the_service_refuses_the_reply(admin_a, ticket):
    with scope(tenant=ticket.tenant):
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
        services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.CLOSED)
    response = client_for(admin_a).post(
        url("ticket_reply", ticket), {"body": "A long careful answer", "kind": "public"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This ticket is closed; open a new one instead." in page


def test_it_keeps_the_typed_body_when_an_attachment_is_refused(agent_a, ticket, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    response = client_for(agent_a).post(
        url("ticket_reply", ticket),
        {
            "body": "Here is the manual",
            "kind": "public",
            "attachments": [SimpleUploadedFile("manual.pdf", b"x" * 50)],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "manual.pdf is larger than 10\xa0bytes." in page
    assert "Here is the manual</textarea>" in page
    with scope(tenant=ticket.tenant):
        assert not ticket.messages.exists()


def test_it_refuses_a_forbidden_file_type_with_a_message(agent_a, ticket):
    response = client_for(agent_a).post(
        url("ticket_reply", ticket),
        {"body": "Run this", "kind": "public", "attachments": [SimpleUploadedFile("x.exe", b"MZ")]},
    )
    assert response.status_code == 400
    assert "x.exe: files of this type are not accepted" in response.content.decode()


def test_it_refuses_an_empty_reply(agent_a, ticket):
    response = client_for(agent_a).post(url("ticket_reply", ticket), {"body": "", "kind": "public"})
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()


def test_it_uploads_several_attachments_and_serves_them_to_members(agent_a, ticket):
    client = client_for(agent_a)
    files = [
        SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\ndata", content_type="image/png"),
        SimpleUploadedFile("log.txt", b"<script>alert(1)</script>", content_type="text/html"),
    ]
    response = client.post(
        url("ticket_reply", ticket), {"body": "Photos", "kind": "public", "attachments": files}
    )
    assert response.status_code == 302
    with scope(tenant=ticket.tenant):
        photo, log = Attachment.objects.order_by("pk")
    page = client.get(url("ticket_detail", ticket)).content.decode()
    assert url("ticket_attachment", ticket, pk=photo.pk) in page
    download = client.get(url("ticket_attachment", ticket, pk=log.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    assert download["Content-Disposition"] == 'attachment; filename="log.txt"'
    assert download["Content-Type"] == "text/plain"  # not the uploader's claim
    assert download["X-Content-Type-Options"] == "nosniff"


def test_it_does_not_serve_an_attachment_through_another_ticket(tenant_a, agent_a, ticket):
    with scope(tenant=tenant_a):
        message = services.ticket_reply(
            ticket=ticket,
            actor=agent_a,
            body="photo",
            attachments=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n")],
        )
        attachment = message.attachments.get()
    elsewhere = TicketFactory(tenant=tenant_a)
    response = client_for(agent_a).get(url("ticket_attachment", elsewhere, pk=attachment.pk))
    assert response.status_code == 404


# --- side panel -------------------------------------------------------------------------------


def save_properties(client, ticket, **changes):
    return client.post(url("ticket_properties", ticket), properties_of(ticket, **changes))


def test_it_changes_the_status(agent_a, ticket):
    response = save_properties(client_for(agent_a), ticket, status="pending")
    assert response.status_code == 302
    assert reload(ticket).status == Status.PENDING


def test_it_explains_an_illegal_transition_instead_of_failing(agent_a, ticket):
    response = save_properties(client_for(agent_a), ticket, status="closed", priority="urgent")
    assert response.status_code == 400
    assert "A ticket cannot go from New to Closed." in response.content.decode()
    ticket = reload(ticket)
    assert (ticket.status, ticket.priority) == (Status.NEW, "normal")  # all or nothing


def test_it_saves_priority_category_team_and_tags_in_one_action(tenant_a, admin_a, ticket):
    category = CategoryFactory(tenant=tenant_a, name="Billing questions")
    team = TeamFactory(tenant=tenant_a, name="Care")
    response = save_properties(
        client_for(admin_a),
        ticket,
        priority="urgent",
        category=category.pk,
        team=team.pk,
        tags="leak, warranty，vip",
    )
    assert response.status_code == 302
    ticket = reload(ticket)
    assert (ticket.priority, ticket.category, ticket.team) == ("urgent", category, team)
    with scope(tenant=tenant_a):
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["leak", "vip", "warranty"]
        fields = set(TicketEvent.objects.filter(actor=admin_a).values_list("field", flat=True))
    assert fields == {"priority", "category", "team", "tags"}


def test_it_records_nothing_for_the_fields_left_as_they_were(tenant_a, admin_a, ticket):
    response = save_properties(client_for(admin_a), ticket, priority="high")
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        fields = list(TicketEvent.objects.filter(actor=admin_a).values_list("field", flat=True))
    assert fields == ["priority"]


def test_it_names_the_bad_field_and_changes_nothing(tenant_a, tenant_b, admin_a, ticket):
    foreign = CategoryFactory(tenant=tenant_b)
    response = save_properties(
        client_for(admin_a), ticket, category=foreign.pk, priority="urgent", serial="NO-SUCH"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was changed: please correct the form below." in page
    assert "Select a valid choice." in page
    assert "No unit with this serial number is registered." in page
    ticket = reload(ticket)
    assert (ticket.category, ticket.priority) == (None, "normal")


def test_it_assigns_and_lets_an_agent_take_a_ticket(tenant_a, admin_a, agent_a, ticket):
    save_properties(client_for(admin_a), ticket, assignee=admin_a.pk)
    assert reload(ticket).assignee == admin_a
    response = client_for(agent_a).post(url("ticket_take", ticket), follow=True)
    assert "You took this ticket." in response.content.decode()
    assert reload(ticket).assignee == agent_a


def test_it_transfers_with_reason_and_promise_and_tells_the_lead(
    tenant_a, admin_a, agent_a, ticket
):
    lead = MembershipFactory(tenant=tenant_a, user=UserFactory(), role=Role.TEAM_LEAD)
    care = TeamFactory(tenant=tenant_a, name="Care", lead=lead)
    response = client_for(agent_a).post(
        url("ticket_transfer", ticket),
        {"team": care.pk, "reason": "Billing question", "expected_handling_minutes": 90},
        follow=True,
    )
    # The agent is not in Care, so the ticket left their sight: back to the queue, not a 404.
    assert response.redirect_chain[-1][0] == reverse("ticket_queue")
    assert "Ticket transferred to Care." in response.content.decode()
    ticket = reload(ticket)
    assert ticket.team == care and ticket.expected_handled_by is not None
    with scope(tenant=tenant_a):
        notice = Notification.objects.get(recipient=lead)
    assert notice.url == f"http://acme.localhost/tickets/{ticket.number}/"


def test_it_keeps_the_transfer_form_when_the_reason_is_missing(admin_a, tenant_a, ticket):
    care = TeamFactory(tenant=tenant_a, name="Care")
    response = client_for(admin_a).post(
        url("ticket_transfer", ticket),
        {"team": care.pk, "reason": "", "expected_handling_minutes": 45},
    )
    assert response.status_code == 400
    assert 'value="45"' in response.content.decode()
    assert reload(ticket).team != care


def test_it_merges_a_duplicate_into_another_ticket(tenant_a, admin_a, ticket):
    target = TicketFactory(tenant=tenant_a, customer=ticket.customer, subject="Original")
    response = client_for(admin_a).post(
        url("ticket_merge", ticket), {"target": target.number}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("ticket_detail", target)
    assert f"Ticket #{ticket.number} was merged into this ticket." in response.content.decode()
    source = reload(ticket)
    assert (source.status, source.merged_into_id) == (Status.CLOSED, target.pk)
    with scope(tenant=tenant_a):
        assert Message.objects.filter(ticket=target, kind="internal").count() == 1


def test_it_explains_a_refused_merge(tenant_a, admin_a, ticket):
    stranger = TicketFactory(tenant=tenant_a)  # another customer
    client = client_for(admin_a)
    response = client.post(url("ticket_merge", ticket), {"target": stranger.number})
    assert response.status_code == 400
    assert "Only tickets of the same customer can be merged." in response.content.decode()
    response = client.post(url("ticket_merge", ticket), {"target": 424242})
    assert "There is no ticket #424242 that you can open." in response.content.decode()
    assert reload(ticket).status == Status.NEW


def test_it_lists_the_history_in_the_tenants_time_zone(tenant_a, admin_a, ticket):
    with scope(tenant=tenant_a):
        services.ticket_change_priority(ticket=ticket, actor=admin_a, priority="high")
        TicketEvent.objects.filter(ticket=ticket).update(
            created_at=datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
        )
    page = client_for(admin_a).get(url("ticket_detail", ticket)).content.decode()
    history = page.split('id="history-title"')[1]
    assert "2025-03-02 07:30" in history  # Asia/Shanghai is UTC+8
    assert str(admin_a.user) in history and "Normal → High" in history
