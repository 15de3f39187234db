"""Inbound e-mail: parse a message (pure) and read a tenant's IMAP mailbox.

``parse_inbound`` turns an ``email.message.EmailMessage`` into what the desk needs: sender,
subject, the new text only (quoted history cut off), attachments and the reply token, found in
a plus-address (``support+<token>@…``) or in the subject (``[#<token>]``). Whether the token is
genuine is decided later, against the tenant (``customers.tokens.reply_token_number``).
``fetch_mailbox`` takes an imaplib-like client, so tests can hand it a small fake.
"""

import email
import email.policy
import hashlib
import html
import imaplib
import logging
import re
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import tokens
from customers.models import InboundEmail, MailboxSettings
from helpdesk.models import Tenant
from helpdesk.platform.public_addresses import (
    HostRefused,
    connectable_addresses,
    has_line_break_or_nul,
)
from products.models import Unit
from products.selectors import units_with_serials
from tickets.attachments import validate_upload
from tickets.intake import Requester, ticket_intake
from tickets.models import Channel, Status, Ticket
from tickets.services import ticket_customer_reply

logger = logging.getLogger(__name__)

# Put on top of every customer e-mail. Fixed and bilingual rather than translated: the parser
# must recognise it whatever language the e-mail was written in.
REPLY_MARKER = "## 请在此行上方回复 · Please reply above this line ##"

TOKEN_IN_ADDRESS = re.compile(r"\+(?P<token>\d{1,18}-[0-9a-f]{20})@", re.IGNORECASE)
TOKEN_IN_SUBJECT = re.compile(r"\[#(?P<token>\d{1,18}-[0-9a-f]{20})\]", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")

# Lines that start the quoted history in common mail programs (English and Chinese).
QUOTE_STARTS = (
    re.compile(r"^-{2,}\s*(Original Message|原始邮件|Forwarded message)\s*-{2,}", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above its header block
    re.compile(r"^在.{0,200}写道\s*[:：]\s*$"),
    re.compile(r"^-- $"),  # signature separator
)
WROTE_LINE = re.compile(r"^\s*On\b.{0,300}?\bwrote:\s*$", re.I | re.S | re.M)
HEADER_BLOCK = re.compile(r"^(From|发件人)\s*[:：]", re.I)
HEADER_FOLLOWERS = re.compile(r"^(Sent|Date|To|Subject|发送时间|日期|收件人|主题)\s*[:：]", re.I)
# A word of a subject that could be a serial number: letters, digits and dashes with at least
# one digit ("ACM-AC-000123", "SN123456"); the first few only, so a long subject costs nothing.
SERIAL_WORD = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9][A-Za-z0-9-]{3,63}(?![A-Za-z0-9-])")
SERIAL_CANDIDATES_MAX = 10


@dataclass(frozen=True)
class InboundAttachment:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMail:
    message_id: str
    sender_email: str
    sender_name: str
    subject: str
    body: str
    token: str
    attachments: tuple[InboundAttachment, ...]
    is_automatic: bool


def parse_inbound(message: EmailMessage) -> InboundMail:
    name, address = parseaddr(_without_nul(str(message.get("From", ""))))
    subject = " ".join(_without_nul(str(message.get("Subject", ""))).split())
    return InboundMail(
        message_id=_message_id(message),
        sender_email=address.strip().lower(),
        sender_name=name.strip(),
        subject=clean_subject(subject),
        body=strip_quoted(_without_nul(_text_of(message))),
        token=find_token(message, subject),
        attachments=tuple(_attachments(message)),
        is_automatic=is_automatic(message, address),
    )


def _without_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL, and no mail reader shows one: drop it rather than fail
    the whole message's import."""
    return text.replace("\x00", "")


def _message_id(message: EmailMessage) -> str:
    found = str(message.get("Message-ID", "")).strip()
    return found[:255] if found else "sha256:" + hashlib.sha256(message.as_bytes()).hexdigest()


def find_token(message: EmailMessage, subject: str) -> str:
    """The reply token: from a recipient's plus-address first, else from the subject."""
    recipients = [str(value) for h in RECIPIENT_HEADERS for value in message.get_all(h, [])]
    for _name, address in getaddresses(recipients):
        match = TOKEN_IN_ADDRESS.search(address)
        if match:
            return match["token"].lower()
    match = TOKEN_IN_SUBJECT.search(subject)
    return match["token"].lower() if match else ""


def clean_subject(subject: str) -> str:
    """Without the reply token and without Re:/Fwd:/回复: prefixes."""
    return REPLY_PREFIX.sub("", TOKEN_IN_SUBJECT.sub("", subject)).strip()[:200]


def is_automatic(message: EmailMessage, sender: str) -> bool:
    """Auto-replies, bounces and list mail: answering them would start a mail loop."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    local = sender.split("@", 1)[0].lower()
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or message.get("X-Autoreply") is not None
        or local in {"mailer-daemon", "postmaster", "noreply", "no-reply"}
    )


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body, with quoted blocks (blockquote, gmail_quote) dropped."""
    markup = re.sub(r"(?is)<blockquote.*?</blockquote>", "", markup)
    markup = re.sub(r'(?is)<div[^>]*class="[^"]*(gmail_quote|moz-cite)[^"]*".*', "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", markup)
    return html.unescape(nh3.clean(markup, tags=set()))


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the quoted history, signature, marker."""
    text = text.replace("\r\n", "\n")
    wrote = WROTE_LINE.search(text)
    if wrote:
        text = text[: wrote.start()]
    lines = text.split("\n")
    kept = []
    for index, line in enumerate(lines):
        if REPLY_MARKER in line or _starts_quote(line, lines[index + 1 : index + 4]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _starts_quote(line: str, following: list[str]) -> bool:
    if any(pattern.match(line) for pattern in QUOTE_STARTS):
        return True
    return bool(HEADER_BLOCK.match(line)) and any(HEADER_FOLLOWERS.match(f) for f in following)


def _attachments(message: EmailMessage):
    for part in message.iter_attachments():
        content = part.get_payload(decode=True)
        if content is None:
            continue
        yield InboundAttachment(
            name=(part.get_filename() or "attachment")[:255],
            content_type=part.get_content_type(),
            content=content,
        )


# --- fetching ------------------------------------------------------------------------------------

FETCH_LIMIT = 50


def fetch_mailbox(*, tenant: Tenant, client, folder: str, limit: int = FETCH_LIMIT) -> int:
    """Process the unseen messages of ``folder`` and mark each seen; returns how many.

    ``client`` is an ``imaplib.IMAP4``-like object, already logged in. A message that fails is
    logged and marked seen, so one broken e-mail cannot block the mailbox. Precondition: the
    tenant's scope is active.
    """
    client.select(folder)
    _status, data = client.search(None, "UNSEEN")
    numbers = (data[0] or b"").split()[:limit]
    for number in numbers:
        _status, parts = client.fetch(number, "(RFC822)")
        raw = next((part[1] for part in parts if isinstance(part, tuple)), b"")
        try:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            inbound_email_process(tenant=tenant, mail=parse_inbound(message))
        except Exception:
            logger.exception("tenant %s: inbound e-mail %r failed", tenant.slug, number)
        client.store(number, "+FLAGS", "\\Seen")
    return len(numbers)


class MailboxRefused(OSError):
    """The mailbox's host or login may not be used; nothing was sent to it."""


def imap_connect(mailbox: MailboxSettings):
    """A logged-in client. The host is checked again here (it may resolve elsewhere since it
    was saved) and the connection goes to the checked address, not to a second lookup. The
    user name is quoted (imaplib quotes only the password); a line break or NUL in either,
    stored before the form refused them, is refused rather than sent."""
    if has_line_break_or_nul(mailbox.username) or has_line_break_or_nul(mailbox.password):
        raise MailboxRefused("the mailbox login contains a line break or NUL")
    try:
        addresses = connectable_addresses(
            mailbox.host, mailbox.port, allow_private=settings.HELPDESK_MAILBOX_ALLOW_PRIVATE
        )
    except HostRefused as refused:
        raise MailboxRefused(f"the mailbox host {mailbox.host!r} is not public") from refused
    connect = _PinnedIMAP4SSL if mailbox.use_ssl else _PinnedIMAP4
    client = connect(address=addresses[0], host=mailbox.host, port=mailbox.port, timeout=30)
    client.login(imap_quoted(mailbox.username), mailbox.password)
    return client


def imap_quoted(text: str) -> str:
    """An IMAP quoted string (RFC 3501), as imaplib writes the password."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _PinnedIMAP4(imaplib.IMAP4):
    """Connects to the address that was checked, not to a second DNS answer."""

    def __init__(self, *, address: str, host: str, port: int, timeout: float):
        self.pinned_address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return socket.create_connection((self.pinned_address, self.port), timeout)


class _PinnedIMAP4SSL(imaplib.IMAP4_SSL):
    """As above; the certificate is still verified against the host name (SNI)."""

    def __init__(self, *, address: str, host: str, port: int, timeout: float):
        self.pinned_address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        sock = socket.create_connection((self.pinned_address, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def mailbox_fetch(*, tenant: Tenant, connect=None) -> int:
    """Read the tenant's mailbox once, if it has an active one. Precondition: scope active."""
    mailbox = MailboxSettings.objects.filter(is_active=True).first()
    if mailbox is None:
        return 0
    client = (connect or imap_connect)(mailbox)
    try:
        count = fetch_mailbox(tenant=tenant, client=client, folder=mailbox.folder)
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.info("tenant %s: IMAP logout failed", tenant.slug, exc_info=True)
    MailboxSettings.objects.filter(pk=mailbox.pk).update(last_fetched_at=timezone.now())
    return count


# --- threading or opening a ticket ------------------------------------------------------------


def inbound_email_process(*, tenant: Tenant, mail: InboundMail) -> InboundEmail:
    """Thread an e-mail onto its ticket (genuine reply token, ticket not closed) or open a new
    ticket from it. Recorded by Message-ID in the same transaction: processed once, even if the
    mailbox is read twice or by two workers at once."""
    if InboundEmail.objects.filter(message_id=mail.message_id).exists():
        return InboundEmail(tenant=tenant, message_id=mail.message_id, outcome="duplicate")
    try:
        with transaction.atomic():
            ticket, outcome = _inbound_apply(tenant, mail)
            return InboundEmail.objects.create(
                tenant=tenant, message_id=mail.message_id, ticket=ticket, outcome=outcome
            )
    except IntegrityError:
        return InboundEmail(tenant=tenant, message_id=mail.message_id, outcome="duplicate")


def _inbound_apply(tenant: Tenant, mail: InboundMail):
    if mail.is_automatic or not mail.sender_email or _is_our_address(mail.sender_email):
        return None, "ignored"
    uploads = _uploads(mail)
    body = mail.body or (_("Attachments sent by e-mail.") if uploads else "")
    number = tokens.reply_token_number(mail.token, tenant_id=tenant.pk) if mail.token else None
    ticket = Ticket.objects.filter(number=number).first() if number else None
    if ticket is not None and ticket.status != Status.CLOSED:
        if not body:
            return ticket, "ignored"
        ticket_customer_reply(
            ticket=ticket,
            customer=ticket.customer,
            body=_sender_note(ticket, mail) + body,
            attachments=uploads,
        )
        return ticket, "reply"
    if ticket is not None:
        body = _("Follow-up to closed request #%(number)s.") % {"number": ticket.number} + (
            "\n\n" + body if body else ""
        )
    ticket = ticket_intake(
        tenant=tenant,
        requester=Requester(name=mail.sender_name, email=mail.sender_email),
        unit=unit_in_subject(mail.subject, sender_email=mail.sender_email),
        subject=mail.subject or _("(no subject)"),
        description=body,
        channel=Channel.EMAIL,
        attachments=uploads,
    )
    return ticket, "created"


def serial_candidates(subject: str) -> list[str]:
    """Words of ``subject`` that could be serial numbers, in order, at most
    ``SERIAL_CANDIDATES_MAX`` (pure)."""
    words = (match.group().strip("-") for match in SERIAL_WORD.finditer(subject))
    found = [word for word in words if any(char.isdigit() for char in word)]
    return found[:SERIAL_CANDIDATES_MAX]


def unit_in_subject(subject: str, *, sender_email: str) -> Unit | None:
    """The registered unit a subject names by serial ("Noise from my AC, SN ACM-AC-000123",
    "[ACM-AC-000123] …"), looked up in one query; when several match, the sender's own.
    Precondition: the tenant's scope is active."""
    units = units_with_serials(serial_candidates(subject))
    own = [unit for unit in units if (unit.customer.email or "").lower() == sender_email]
    return (own or units or [None])[0]


def _is_our_address(address: str) -> bool:
    ours = {settings.DEFAULT_FROM_EMAIL.lower()}
    mailbox = MailboxSettings.objects.first()
    if mailbox is not None:
        ours.add(mailbox.address.lower())
    return address in ours


def _sender_note(ticket, mail: InboundMail) -> str:
    """Someone other than the customer answered with the token (a colleague they forwarded
    it to): keep the reply, say who sent it."""
    if mail.sender_email == (ticket.customer.email or "").lower():
        return ""
    return _("(Sent by %(sender)s)") % {"sender": mail.sender_email} + "\n\n"


def _uploads(mail: InboundMail) -> list[UploadedFile]:
    """The attachments the desk accepts; a file of a refused type or size is left out."""
    accepted = []
    for item in mail.attachments:
        upload = SimpleUploadedFile(item.name, item.content, content_type=item.content_type)
        try:
            validate_upload(upload)
        except ValidationError:
            continue
        accepted.append(upload)
    return accepted
