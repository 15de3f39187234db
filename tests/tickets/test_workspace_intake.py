"""Phone intake (new ticket) and the notifications page."""

from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer
from helpdesk.models import Notification
from tests.conftest import client_for
from tests.factories import CategoryFactory, CustomerFactory
from tickets.models import Channel, Ticket

NEW = reverse("ticket_new")


def intake(**overrides):
    data = {
        "customer_email": "",
        "customer_phone": "13800138000",
        "customer_name": "Han Meimei",
        "subject": "Fridge not cooling",
        "description": "Since yesterday.",
        "priority": "high",
        "channel": "phone",
        "product_model": "BCD-520",
        "fault_symptom": "Compressor clicks",
        "caller": "Her son",
        "call_started_at": "2025-05-01T09:15",
        "call_duration": "4:30",
    }
    return {**data, **overrides}


def test_it_offers_phone_as_the_default_channel(agent_a):
    page = client_for(agent_a).get(NEW).content.decode()
    assert '<option value="phone" selected>' in page


def test_it_logs_a_call_as_a_phone_ticket_for_a_new_customer(tenant_a, agent_a, team_a):
    category = CategoryFactory(tenant=tenant_a, team=team_a)
    response = client_for(agent_a).post(NEW, intake(category=category.pk))
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.select_related("customer").get()
        events = list(ticket.events.values_list("action", "actor"))
    assert response["Location"] == reverse("ticket_detail", args=[ticket.number])
    assert (ticket.channel, ticket.priority, ticket.team) == (Channel.PHONE, "high", team_a)
    # 09:15 typed in the tenant's zone (Asia/Shanghai, UTC+8) is 01:15 UTC.
    assert ticket.call_started_at == datetime(2025, 5, 1, 1, 15, tzinfo=UTC)
    assert ticket.call_duration_seconds == 270
    assert (ticket.product_model, ticket.fault_symptom, ticket.caller) == (
        "BCD-520",
        "Compressor clicks",
        "Her son",
    )
    assert (ticket.customer.name, ticket.customer.phone) == ("Han Meimei", "13800138000")
    assert ("created", agent_a.pk) in events


def test_it_reuses_the_customer_with_the_same_email(tenant_a, agent_a):
    known = CustomerFactory(tenant=tenant_a, email="li.lei@example.test")
    client_for(agent_a).post(
        NEW, intake(customer_email="LI.LEI@example.test", customer_name="", call_duration="95")
    )
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert Customer.objects.count() == 1
    assert ticket.customer_id == known.pk and ticket.call_duration_seconds == 95


def test_it_reuses_the_customer_with_the_same_phone_however_it_is_typed(tenant_a, agent_a):
    known = CustomerFactory(tenant=tenant_a, email="", phone="13800138000")
    client_for(agent_a).post(
        NEW, intake(customer_email="", customer_phone="+86 138-0013-8000", customer_name="")
    )
    with scope(tenant=tenant_a):
        ticket = Ticket.objects.get()
        assert Customer.objects.count() == 1
    assert ticket.customer_id == known.pk


def test_it_never_matches_a_customer_of_another_tenant(tenant_a, tenant_b, agent_a):
    CustomerFactory(tenant=tenant_b, email="li.lei@example.test")
    client_for(agent_a).post(NEW, intake(customer_email="li.lei@example.test"))
    with scope(tenant=tenant_a):
        assert Ticket.objects.get().customer.tenant == tenant_a


def test_it_explains_a_bad_duration_and_keeps_the_form(agent_a, tenant_a):
    response = client_for(agent_a).post(NEW, intake(call_duration="four minutes"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Use minutes:seconds (4:30) or a number of seconds (270)." in page
    assert 'value="Fridge not cooling"' in page
    with scope(tenant=tenant_a):
        assert not Ticket.objects.exists()


def test_it_leaves_no_customer_behind_when_an_attachment_is_refused(agent_a, tenant_a):
    response = client_for(agent_a).post(
        NEW, intake(attachments=[SimpleUploadedFile("virus.exe", b"MZ")])
    )
    assert response.status_code == 400
    assert "virus.exe: files of this type are not accepted" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not Customer.objects.exists() and not Ticket.objects.exists()


def test_it_needs_something_to_identify_the_customer(agent_a):
    response = client_for(agent_a).post(
        NEW, intake(customer_phone="", customer_name="", customer_email="")
    )
    assert response.status_code == 400
    assert "Give the customer&#x27;s e-mail, phone number or name." in response.content.decode()


# --- notifications ---------------------------------------------------------------------------


def test_it_lists_and_marks_my_notifications_read(tenant_a, agent_a, admin_a):
    with scope(tenant=tenant_a):
        mine = Notification.objects.create(
            tenant=tenant_a, recipient=agent_a, text="Ticket #7 was transferred", url="/tickets/7/"
        )
        other = Notification.objects.create(tenant=tenant_a, recipient=admin_a, text="Not yours")
    client = client_for(agent_a)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Ticket #7 was transferred" in page and "Not yours" not in page
    assert "1 unread" in page
    client.post(reverse("notification_read"), {"notification": [mine.pk, other.pk]})
    with scope(tenant=tenant_a):
        mine.refresh_from_db()
        other.refresh_from_db()
    assert mine.read_at is not None and other.read_at is None
    # The badge counts only this member's unread ones: none left, whatever the admin has.
    assert "unread" not in client.get(reverse("notification_list")).content.decode()


def test_it_does_not_link_a_notification_to_another_site(tenant_a, agent_a):
    with scope(tenant=tenant_a):
        Notification.objects.create(
            tenant=tenant_a, recipient=agent_a, text="Phish", url="javascript:alert(1)"
        )
    page = client_for(agent_a).get(reverse("notification_list")).content.decode()
    assert "javascript:" not in page
