"""E-mail to customers about their tickets (received, agent reply, transfer, resolved).

``customer_email_queue`` runs inside the ticket's transaction: it writes one ``CustomerEmail``
row and asks Celery to send it after the commit; a rolled-back change mails nothing. The task
(or the catch-up sweep, when the task was lost) sends each row once, as ``helpdesk.platform.outbox``
defines "once": a redelivered task or a racing sweep sends nothing twice, and a worker killed
before the hand-over to the mail server leaves the row owed.
"""

import logging
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers import tokens
from customers.models import Customer, CustomerEmail, CustomerEmailKind, MailboxSettings
from helpdesk.models import Tenant
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.tenancy import tenant_url
from tickets.inbound_mail import REPLY_MARKER

logger = logging.getLogger(__name__)


def customer_email_queue(*, ticket, kind: str, message=None) -> CustomerEmail | None:
    """Owe the ticket's customer an e-mail of this kind. Precondition: in the transaction that
    made the change, scope active. Nothing for a customer without an address."""
    if not ticket.customer.email:
        return None
    email = CustomerEmail.objects.create(
        tenant_id=ticket.tenant_id, ticket=ticket, kind=CustomerEmailKind(kind), message=message
    )
    enqueue_on_commit(
        "tickets.tasks.send_customer_email", tenant_id=ticket.tenant_id, email_id=email.pk
    )
    return email


def customer_emails_catch_up(*, tenant: Tenant, older_than_seconds: int = 60) -> int:
    """Send owed e-mails whose task never ran (broker down, worker lost); each is claimed by
    ``customer_email_send``, so racing the regular task sends nothing twice."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    owed = CustomerEmail.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
    return sum(
        customer_email_send(tenant=tenant, email_id=pk)
        for pk in owed.order_by("pk").values_list("pk", flat=True)[:500]
    )


def follow_url(ticket) -> str:
    token = tokens.follow_token(tenant_id=ticket.tenant_id, ticket_id=ticket.pk)
    return tenant_url(ticket.tenant, reverse("portal_ticket", kwargs={"token": token}))


def reply_address(mailbox: MailboxSettings | None, token: str) -> str:
    """``support+<token>@example.com`` for the tenant's mailbox, or "" without one."""
    if mailbox is None or "@" not in mailbox.address:
        return ""
    local, domain = mailbox.address.rsplit("@", 1)
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def customer_email_send(*, tenant: Tenant, email_id: int) -> bool:
    """Send one owed e-mail once; False if it was already sent. Claim, send and mark are one
    transaction (``helpdesk.platform.outbox``): a worker killed before the hand-over to the mail
    server
    leaves it owed to the catch-up, never lost. Precondition: scope of ``tenant`` active (so
    the row, its ticket and its customer can only be this tenant's), no transaction open."""
    owed = CustomerEmail.objects.select_related(
        "ticket__customer", "ticket__team", "ticket__tenant", "message"
    )
    try:
        return email_send_once(
            owed, pk=email_id, field="sent_at", build=lambda row: _message(tenant, row)
        )
    except OSError:
        logger.warning("customer e-mail %s failed, will retry", email_id, exc_info=True)
        raise


def _message(tenant: Tenant, owed: CustomerEmail) -> EmailMessage:
    ticket = owed.ticket
    if ticket.tenant_id != tenant.pk or ticket.customer.tenant_id != tenant.pk:
        raise AssertionError("customer e-mail across tenants")  # unreachable under the scope
    message = _build(tenant, owed)
    message.extra_headers["Message-ID"] = stable_message_id(
        kind="customer-email", pk=owed.pk, tenant=tenant
    )
    return message


SUBJECTS = {
    CustomerEmailKind.RECEIVED: "customers/email/received_subject.txt",
    CustomerEmailKind.REPLY: "customers/email/reply_subject.txt",
    CustomerEmailKind.TRANSFER: "customers/email/transfer_subject.txt",
    CustomerEmailKind.RESOLVED: "customers/email/resolved_subject.txt",
}


def _build(tenant: Tenant, owed: CustomerEmail) -> EmailMessage:
    ticket = owed.ticket
    customer = ticket.customer
    token = tokens.reply_token(tenant_id=tenant.pk, number=ticket.number)
    mailbox = MailboxSettings.objects.filter(is_active=True).first()
    context = {
        "tenant": tenant,
        "ticket": ticket,
        "customer": customer,
        "message": owed.message,
        "follow_url": follow_url(ticket),
        "token": token,
        "can_reply_by_email": mailbox is not None,
        "reply_marker": REPLY_MARKER,
    }
    with (
        translation.override(customer.language or tenant.default_language),
        timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)),
    ):
        subject = render_to_string(SUBJECTS[owed.kind], context).strip()
        body = render_to_string(f"customers/email/{owed.kind}.txt", context)
    reply_to = reply_address(mailbox, token)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        reply_to=[reply_to] if reply_to else None,
        headers={"Auto-Submitted": "auto-generated"},
    )


# --- portal sign-in link ------------------------------------------------------------------------


def sign_in_email_queue(*, customer) -> None:
    """Mail the customer a one-time sign-in link, after the commit. Precondition: scope."""
    enqueue_on_commit(
        "tickets.tasks.send_sign_in_email", tenant_id=customer.tenant_id, customer_id=customer.pk
    )


def sign_in_email_send(*, tenant: Tenant, customer_id: int) -> bool:
    """Precondition: ``tenant``'s scope is active, so only this tenant's customer is found.
    The link carries the current sign-in counter: it stops working once any link is used."""
    customer = Customer.objects.filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None or not customer.email:
        return False
    token = tokens.sign_in_token(
        tenant_id=tenant.pk, customer_id=customer.pk, sign_in_count=customer.portal_sign_in_count
    )
    path = reverse("portal_sign_in_accept", kwargs={"token": token})
    context = {
        "tenant": tenant,
        "customer": customer,
        "sign_in_url": tenant_url(tenant, path),
        "max_age_minutes": settings.HELPDESK_PORTAL_SIGN_IN_MAX_AGE_MINUTES,
    }
    with translation.override(customer.language or tenant.default_language):
        subject = render_to_string("customers/email/sign_in_subject.txt", context).strip()
        body = render_to_string("customers/email/sign_in.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()
    return True
