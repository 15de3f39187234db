"""E-mail to customers: received, agent reply, transfer, resolved; never notes, never across
tenants, once per change, and only after the commit."""

from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django_scopes import scope

from customers.models import CustomerEmail, MailboxSettings
from tests.factories import TeamFactory
from tests.tickets.helpers import make_customer, make_ticket
from tickets import services
from tickets.models import Status
from tickets.tasks import send_customer_email


@pytest.fixture(autouse=True)
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


@pytest.fixture
def ticket(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = make_ticket(tenant_a, subject="Washer leaks")
    return made


def test_it_mails_the_customer_that_the_request_was_received(ticket):
    (received,) = mail.outbox
    assert received.to == ["li.lei@example.test"]
    assert f"#{ticket.number}" in received.subject and "Washer leaks" in received.subject
    assert "/support/t/" in received.body
    assert received.extra_headers["Auto-Submitted"] == "auto-generated"


def test_it_mails_an_agents_public_reply_but_never_a_note(
    ticket, agent_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, actor=agent_a, body="INTERNAL-ONLY", internal=True)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, actor=agent_a, body="A technician comes at 3 pm.")
    (reply,) = mail.outbox
    assert "A technician comes at 3 pm." in reply.body and "INTERNAL-ONLY" not in reply.body


def test_it_mails_a_transfer_with_the_expected_time(
    ticket, tenant_a, agent_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    billing = TeamFactory(tenant=tenant_a, name="Billing")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transfer(
            ticket=ticket,
            actor=agent_a,
            team=billing,
            reason="Refund question",
            expected_handling_minutes=120,
            customer_message="Our refunds desk takes over.",
        )
    (transfer,) = mail.outbox
    ticket.refresh_from_db()
    local = ticket.expected_handled_by.astimezone(ZoneInfo("Asia/Shanghai"))
    assert "Our refunds desk takes over." in transfer.body
    assert "Refund question" not in transfer.body  # the reason is for the receiving team
    assert local.strftime("%Y-%m-%d %H:%M") in transfer.body


def test_it_mails_the_resolution_once(ticket, agent_a, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.RESOLVED)
    # (Other apps may mail too on resolution, e.g. the survey invitation.)
    resolved = [m for m in mail.outbox if "is resolved" in m.subject]
    assert len(resolved) == 1 and resolved[0].to == ["li.lei@example.test"]
    email = CustomerEmail.objects.get(kind="resolved")
    assert send_customer_email.delay(tenant_id=ticket.tenant_id, email_id=email.pk).get() is False
    assert len([m for m in mail.outbox if "is resolved" in m.subject]) == 1


def test_it_mails_nothing_when_the_change_rolls_back(tenant_a, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_ticket(tenant_a)
        raise RuntimeError
    assert mail.outbox == []


def test_it_mails_nothing_to_a_customer_without_an_address(
    tenant_a, django_capture_on_commit_callbacks
):
    customer = make_customer(tenant_a, email="")
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(tenant_a, customer=customer)
    assert mail.outbox == [] and not CustomerEmail.objects.exists()


def test_it_never_sends_a_tenants_email_in_another_tenants_task(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        ticket = make_ticket(tenant_a)
    owed = CustomerEmail.objects.get(ticket=ticket)
    assert send_customer_email.delay(tenant_id=tenant_b.pk, email_id=owed.pk).get() is False
    assert mail.outbox == []
    owed.refresh_from_db()
    assert owed.sent_at is None


def test_it_gives_a_reply_address_with_the_token_when_a_mailbox_is_set(
    tenant_a, django_capture_on_commit_callbacks
):
    MailboxSettings.objects.create(
        tenant=tenant_a, address="support@acme.example", host="imap", username="u", password="p"
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(tenant_a)
    (received,) = mail.outbox
    (reply_to,) = received.reply_to
    assert reply_to.startswith(f"support+{ticket.number}-") and reply_to.endswith("@acme.example")
    assert "Please reply above this line" in received.body


def test_it_writes_in_the_customers_language(tenant_a, django_capture_on_commit_callbacks):
    customer = make_customer(tenant_a)
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(tenant_a, customer=customer)
    assert mail.outbox  # rendered under translation.override("zh-hans") without error
