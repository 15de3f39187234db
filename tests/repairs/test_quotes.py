"""Quotes through the services: sent with lines and a pause of the ticket, decided once by
the customer (a second decision is a clear error that changes nothing), withdrawn by an
agent, audited on the ticket and announced by webhooks."""

import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.models import Notification, WebhookDelivery
from helpdesk.webhook_subscriptions import webhook_subscription_create
from repairs import quotes
from repairs.models import Quote, QuoteStatus
from repairs.tasks import catch_up_quote_emails
from tests.helpdesk.test_webhooks import allow_private, receiver, sent_events  # noqa: F401 - fixtures
from tests.tickets.helpers import make_ticket
from tickets.models import Status, TicketEvent


def send(tenant, agent, ticket, hours="2", on_site=False, note="Pump and two hours"):
    return quotes.quote_send(
        tenant=tenant,
        actor=agent,
        ticket=ticket,
        labour_hours=Decimal(hours),
        on_site=on_site,
        note=note,
    )


def test_it_sends_a_quote_with_lines_and_puts_the_ticket_in_pending(
    tenant_a, agent_a, repair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = send(tenant_a, agent_a, repair["ticket"], on_site=True)
    lines = [(line.kind, line.amount) for line in quote.lines.all()]
    assert lines == [
        ("part", Decimal("120.00")),
        ("labour", Decimal("160.00")),
        ("callout", Decimal("50.00")),
    ]
    assert (quote.total, quote.currency, quote.status) == (Decimal("330.00"), "CNY", "sent")
    assert (quote.customer, quote.unit) == (repair["customer"], repair["unit"])
    repair["ticket"].refresh_from_db()
    assert repair["ticket"].status == Status.PENDING
    sent = TicketEvent.objects.get(ticket=repair["ticket"], action="quote_sent")
    assert (sent.actor, sent.data["quote"]) == (agent_a, quote.pk)
    [email] = mail.outbox
    assert email.to == ["li.lei@example.test"] and "330.00" in email.subject
    assert "/support/t/" in email.body and f"/quote/{quote.pk}/" in email.body
    quote.refresh_from_db()
    assert quote.emailed_at is not None


def test_it_writes_the_quote_e_mail_in_the_customers_language(
    tenant_a, agent_a, repair, django_capture_on_commit_callbacks
):
    customer = repair["customer"]
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        send(tenant_a, agent_a, repair["ticket"])
    [email] = mail.outbox
    assert "维修报价" in email.subject and "合计" in email.body


def test_it_refuses_a_second_open_quote_for_the_same_ticket(tenant_a, agent_a, repair):
    first = send(tenant_a, agent_a, repair["ticket"])
    with pytest.raises(ValidationError, match="still waiting for the customer"):
        send(tenant_a, agent_a, repair["ticket"], hours="5")
    assert list(Quote.objects.values_list("pk", flat=True)) == [first.pk]


def test_it_says_a_fully_covered_repair_needs_no_quote(tenant_a, agent_a, repair):
    unit = repair["unit"]
    unit.warranty_override_until = timezone.localdate().replace(year=2030)
    unit.save(update_fields=["warranty_override_until"])  # the product covers parts and labour
    with pytest.raises(quotes.NothingToCharge, match="no quote is needed"):
        send(tenant_a, agent_a, repair["ticket"])
    repair["ticket"].refresh_from_db()
    assert not Quote.objects.exists() and repair["ticket"].status != Status.PENDING


def test_it_refuses_negative_labour_hours_naming_the_field(tenant_a, agent_a, repair):
    with pytest.raises(ValidationError) as refused:
        send(tenant_a, agent_a, repair["ticket"], hours="-1")
    assert "labour_hours" in refused.value.error_dict
    assert not Quote.objects.exists()


def test_an_approval_reopens_the_ticket_notifies_the_agent_and_is_audited(
    tenant_a, agent_a, repair
):
    quote = send(tenant_a, agent_a, repair["ticket"])
    quotes.quote_approve(tenant=tenant_a, quote=quote, customer=repair["customer"])
    quote.refresh_from_db()
    repair["ticket"].refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED and quote.decided_at is not None
    assert repair["ticket"].status == Status.OPEN
    approved = TicketEvent.objects.get(ticket=repair["ticket"], action="quote_approved")
    assert approved.actor is None and "Li Lei" in approved.actor_label
    assert (approved.old_value, approved.new_value) == ("sent", "approved")
    notice = Notification.objects.get(recipient=agent_a)
    assert f"#{repair['ticket'].number}" in notice.text and "approved" in notice.text


def test_approving_twice_is_a_clear_error_and_changes_nothing(tenant_a, agent_a, repair, settings):
    quote = send(tenant_a, agent_a, repair["ticket"])
    quotes.quote_approve(tenant=tenant_a, quote=quote, customer=repair["customer"])
    quote.refresh_from_db()
    decided_at = quote.decided_at
    events = TicketEvent.objects.filter(ticket=repair["ticket"]).count()
    local = timezone.localtime(decided_at, zoneinfo.ZoneInfo(tenant_a.time_zone))
    with pytest.raises(ValidationError) as refused:
        quotes.quote_approve(tenant=tenant_a, quote=quote, customer=repair["customer"])
    expected = f"This quote was approved on {local:%Y-%m-%d %H:%M}."
    assert refused.value.messages == [expected] and refused.value.code == "decided"
    with pytest.raises(ValidationError, match="was approved on"):
        quotes.quote_decline(tenant=tenant_a, quote=quote, customer=repair["customer"], reason="x")
    quote.refresh_from_db()
    assert (quote.status, quote.decided_at, quote.decline_reason) == ("approved", decided_at, "")
    assert TicketEvent.objects.filter(ticket=repair["ticket"]).count() == events


def test_a_decline_keeps_the_reason_on_the_quote_and_the_trail(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    quotes.quote_decline(
        tenant=tenant_a, quote=quote, customer=repair["customer"], reason="  Too expensive  "
    )
    quote.refresh_from_db()
    assert (quote.status, quote.decline_reason) == ("declined", "Too expensive")
    declined = TicketEvent.objects.get(ticket=repair["ticket"], action="quote_declined")
    assert declined.data == {
        "quote": quote.pk,
        "customer": repair["customer"].pk,
        "reason": "Too expensive",
    }
    assert "Li Lei" in declined.actor_label and declined.created_at is not None
    repair["ticket"].refresh_from_db()
    assert repair["ticket"].status == Status.OPEN


def test_an_agent_withdraws_a_waiting_quote_and_may_send_a_new_one(tenant_a, agent_a, repair):
    first = send(tenant_a, agent_a, repair["ticket"])
    quotes.quote_withdraw(tenant=tenant_a, actor=agent_a, quote=first)
    repair["ticket"].refresh_from_db()
    assert repair["ticket"].status == Status.OPEN
    second = send(tenant_a, agent_a, repair["ticket"], hours="1")
    first.refresh_from_db()
    assert (first.status, second.status, second.total) == ("withdrawn", "sent", Decimal("200.00"))
    with pytest.raises(ValidationError, match="was withdrawn on"):
        quotes.quote_approve(tenant=tenant_a, quote=first, customer=repair["customer"])


@pytest.mark.parametrize(
    ("decide", "event"),
    [
        (lambda q, c: quotes.quote_approve(tenant=q.tenant, quote=q, customer=c), "quote.approved"),
        (
            lambda q, c: quotes.quote_decline(tenant=q.tenant, quote=q, customer=c, reason="Later"),
            "quote.declined",
        ),
    ],
)
def test_a_decision_is_delivered_as_a_webhook(
    tenant_a,
    agent_a,
    repair,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
    decide,
    event,
):
    webhook_subscription_create(
        tenant=tenant_a, url=receiver.url, events=["quote.approved", "quote.declined"]
    )
    quote = send(tenant_a, agent_a, repair["ticket"])
    with django_capture_on_commit_callbacks(execute=True):
        decide(quote, repair["customer"])
    [(name, data)] = sent_events(receiver)
    assert name == event
    assert data["ticket_number"] == repair["ticket"].number
    assert data["quote"]["id"] == quote.pk and data["quote"]["total"] == "280.00"
    assert data["quote"]["status"] == event.split(".")[1]
    assert WebhookDelivery.objects.get(event=event).status == "succeeded"


def test_no_quote_webhook_is_written_when_nobody_subscribed(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    quotes.quote_approve(tenant=tenant_a, quote=quote, customer=repair["customer"])
    assert not WebhookDelivery.objects.exists()


def test_a_quote_with_nothing_priced_is_refused_naming_the_hours(tenant_a, agent_a, repair):
    bare = make_ticket(tenant_a, customer=repair["customer"], subject="Noise")
    with pytest.raises(ValidationError) as refused:
        send(tenant_a, agent_a, bare, hours="0")
    assert "Nothing to quote yet" in refused.value.error_dict["labour_hours"][0].messages[0]
    assert not Quote.objects.exists()


def test_the_catch_up_mails_a_quote_whose_task_never_ran_and_only_once(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])  # on-commit task never runs: no callbacks
    assert mail.outbox == []
    Quote.objects.filter(pk=quote.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert catch_up_quote_emails() == 1
    assert catch_up_quote_emails() == 0

    [email] = mail.outbox
    assert email.to == ["li.lei@example.test"] and f"/quote/{quote.pk}/" in email.body


def test_the_catch_up_leaves_fresh_and_decided_quotes_alone(tenant_a, agent_a, repair):
    quote = send(tenant_a, agent_a, repair["ticket"])
    assert catch_up_quote_emails() == 0  # younger than a minute: its own task may still run
    Quote.objects.filter(pk=quote.pk).update(
        created_at=timezone.now() - timedelta(minutes=5), status=QuoteStatus.WITHDRAWN
    )
    assert catch_up_quote_emails() == 0
    assert mail.outbox == []
