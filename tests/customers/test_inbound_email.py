"""Inbound e-mail: parsing (pure, on messages built here), threading by reply token, and the
IMAP fetch against a small fake client."""

from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django_scopes import scope

from customers import tokens
from customers.models import Customer, InboundEmail, MailboxSettings
from tests.tickets.helpers import make_customer, make_ticket
from tickets import inbound_mail as inbound
from tickets import services
from tickets.inbound_mail import REPLY_MARKER, inbound_email_process, parse_inbound, strip_quoted
from tickets.models import Channel, Message, Status, Ticket


def build(
    body="My oven does not heat.",
    *,
    subject="Oven broken",
    sender="Wang Wei <wang.wei@example.cn>",
    to="support@acme.example",
    message_id="<m1@example.cn>",
    html=None,
    headers=None,
    attachment=None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        name, content, maintype, subtype = attachment
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


# --- parsing (pure) ------------------------------------------------------------------------------


def test_it_parses_a_new_message():
    mail = parse_inbound(build(attachment=("photo.png", b"\x89PNG\r\n\x1a\n", "image", "png")))
    assert mail.sender_email == "wang.wei@example.cn" and mail.sender_name == "Wang Wei"
    assert mail.subject == "Oven broken" and mail.body == "My oven does not heat."
    assert mail.token == "" and not mail.is_automatic
    assert [a.name for a in mail.attachments] == ["photo.png"]


def test_it_drops_nul_characters_that_the_database_cannot_store():
    mail = parse_inbound(
        build("Oven\x00 broken", subject="Help\x00 me", sender="Wang\x00 <w@example.cn>")
    )
    assert mail.body == "Oven broken" and mail.subject == "Help me"
    assert mail.sender_name == "Wang" and mail.sender_email == "w@example.cn"


def test_it_finds_the_token_in_a_plus_address_or_the_subject():
    by_address = parse_inbound(build(to="ACME <support+12-0123456789abcdef0123@acme.example>"))
    assert by_address.token == "12-0123456789abcdef0123"
    by_subject = parse_inbound(build(subject="RE: 回复: Oven broken [#7-ABCDEF0123456789abcd]"))
    assert by_subject.token == "7-abcdef0123456789abcd"
    assert by_subject.subject == "Oven broken"
    assert parse_inbound(build(subject="About ticket #7")).token == ""


@pytest.mark.parametrize(
    "quoted",
    [
        "On Mon, 3 Mar 2025 at 10:00, ACME Support <support@acme.example>\nwrote:\n> old text",
        "> old text\n> more old text",
        "-----Original Message-----\nFrom: ACME\nold text",
        "在 2025年3月3日 10:00，ACME 写道：\n> old text",
        "From: ACME Support <support@acme.example>\nSent: Monday\nTo: me\nold text",
        f"> {REPLY_MARKER}\nold text",
        "-- \nWang Wei\nSales manager",
    ],
)
def test_it_strips_quoted_history(quoted):
    assert strip_quoted(f"Still broken, please call me.\n\n{quoted}") == (
        "Still broken, please call me."
    )


def test_it_keeps_a_line_that_only_mentions_from():
    text = "From: the kitchen, the noise is loud.\nPlease help."
    assert strip_quoted(text) == text


def test_it_reads_an_html_only_message_without_its_quote():
    message = EmailMessage()
    message["From"] = "a@example.cn"
    message["Subject"] = "Hi"
    message.set_content(
        '<p>New text &amp; more</p><div class="gmail_quote"><p>old</p></div>', subtype="html"
    )
    assert parse_inbound(message).body == "New text & more"


def test_it_recognises_automatic_mail():
    assert parse_inbound(build(headers={"Auto-Submitted": "auto-replied"})).is_automatic
    assert parse_inbound(build(sender="MAILER-DAEMON@example.cn")).is_automatic


# --- processing ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _scope_a(tenant_a):
    with scope(tenant=tenant_a):
        yield


def process(tenant, message):
    return inbound_email_process(tenant=tenant, mail=parse_inbound(message))


def test_it_opens_a_ticket_from_a_new_message(tenant_a):
    record = process(
        tenant_a, build(attachment=("photo.png", b"\x89PNG\r\n\x1a\n", "image", "png"))
    )
    ticket = record.ticket
    assert record.outcome == "created" and ticket.channel == Channel.EMAIL
    assert ticket.subject == "Oven broken" and ticket.description == "My oven does not heat."
    assert ticket.customer.email == "wang.wei@example.cn" and ticket.customer.name == "Wang Wei"
    assert ticket.messages.get().attachments.count() == 1


def test_it_threads_a_reply_by_its_token_and_reopens(tenant_a, agent_a):
    customer = make_customer(tenant_a, email="wang.wei@example.cn")
    ticket = make_ticket(tenant_a, customer=customer)
    services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.RESOLVED)
    token = tokens.reply_token(tenant_id=tenant_a.pk, number=ticket.number)
    reply = build(
        "Not fixed.\n\nOn Tue, ACME wrote:\n> We fixed it.",
        subject=f"Re: Washer leaks [#{token}]",
        message_id="<m2@example.cn>",
    )
    record = process(tenant_a, reply)
    assert record.outcome == "reply" and record.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert (
        Message.objects.filter(ticket=ticket, author_customer=customer).get().body == "Not fixed."
    )
    assert Ticket.objects.count() == 1


def test_it_threads_by_plus_address(tenant_a):
    ticket = make_ticket(tenant_a, customer=make_customer(tenant_a, email="wang.wei@example.cn"))
    token = tokens.reply_token(tenant_id=tenant_a.pk, number=ticket.number)
    record = process(tenant_a, build("Thanks", to=f"support+{token}@acme.example"))
    assert record.outcome == "reply" and record.ticket == ticket


def test_it_opens_a_new_ticket_for_an_unknown_or_forged_token(tenant_a, tenant_b):
    ticket = make_ticket(tenant_a)
    forged = f"{ticket.number}-{'0' * 20}"
    other_tenant = tokens.reply_token(tenant_id=tenant_b.pk, number=ticket.number)
    for index, token in enumerate([forged, other_tenant, f"999-{'a' * 20}"]):
        record = process(
            tenant_a, build("Hello", subject=f"Re: x [#{token}]", message_id=f"<f{index}@x>")
        )
        assert record.outcome == "created" and record.ticket != ticket
    assert not Message.objects.filter(ticket=ticket, body="Hello").exists()


def test_it_opens_a_follow_up_ticket_for_a_closed_one(tenant_a, agent_a):
    ticket = make_ticket(tenant_a)
    services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.RESOLVED)
    services.ticket_change_status(ticket=ticket, actor=agent_a, status=Status.CLOSED)
    token = tokens.reply_token(tenant_id=tenant_a.pk, number=ticket.number)
    record = process(tenant_a, build("Again broken", subject=f"Re: x [#{token}]"))
    assert record.outcome == "created"
    assert f"#{ticket.number}" in record.ticket.description


def test_it_processes_a_message_once_and_ignores_automatic_mail(tenant_a):
    assert process(tenant_a, build()).outcome == "created"
    assert process(tenant_a, build()).outcome == "duplicate"
    auto = build(message_id="<auto@x>", headers={"Auto-Submitted": "auto-replied"})
    assert process(tenant_a, auto).outcome == "ignored"
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 2


# --- fetching ------------------------------------------------------------------------------------


class FakeImap:
    """The few imaplib.IMAP4 calls the fetcher makes."""

    def __init__(self, messages: list[EmailMessage]):
        self.messages = {str(i + 1).encode(): m.as_bytes() for i, m in enumerate(messages)}
        self.seen: list[bytes] = []
        self.selected = None
        self.logged_out = False

    def select(self, folder):
        self.selected = folder
        return "OK", [str(len(self.messages)).encode()]

    def search(self, charset, criterion):
        unseen = [n for n in self.messages if n not in self.seen]
        return "OK", [b" ".join(unseen)]

    def fetch(self, number, parts):
        return "OK", [(number + b" (RFC822 {n})", self.messages[number]), b")"]

    def store(self, number, command, flags):
        self.seen.append(number)
        return "OK", []

    def logout(self):
        self.logged_out = True


def test_it_fetches_unseen_mail_and_marks_it_seen(tenant_a):
    client = FakeImap([build(), build("Second", message_id="<m9@x>", subject="Fridge")])
    assert inbound.fetch_mailbox(tenant=tenant_a, client=client, folder="Support") == 2
    assert client.selected == "Support" and client.seen == [b"1", b"2"]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Fridge", "Oven broken"]
    assert inbound.fetch_mailbox(tenant=tenant_a, client=client, folder="Support") == 0


def test_the_command_reads_the_tenants_mailbox(tenant_a, monkeypatch):
    MailboxSettings.objects.create(
        tenant=tenant_a, address="support@acme.example", host="imap", username="u", password="p"
    )
    client = FakeImap([build()])
    monkeypatch.setattr(inbound, "imap_connect", lambda mailbox: client)
    call_command("fetch_mail", "--tenant", "acme")
    assert client.logged_out and Customer.objects.get().email == "wang.wei@example.cn"
    assert MailboxSettings.objects.get().last_fetched_at is not None
