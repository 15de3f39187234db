"""The quote e-mail: the lines, the total and a signed link to approve or decline it in the
portal, in the customer's language. Queued after the commit of ``quote_send`` and sent once
(``helpdesk.platform.outbox``: the ``emailed_at`` claim)."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers import tokens
from helpdesk.models import Tenant
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.tenancy import tenant_url
from repairs.models import Quote, QuoteStatus


def portal_quote_url(quote: Quote, tenant: Tenant) -> str:
    token = tokens.follow_token(tenant_id=quote.tenant_id, ticket_id=quote.ticket_id)
    path = reverse("portal_quote", kwargs={"token": token, "pk": quote.pk})
    return tenant_url(tenant, path)


def quote_email_send(*, tenant: Tenant, quote_id: int) -> bool:
    """Send the quote once; False if it went already. Precondition: ``tenant``'s scope is
    active and no transaction is open."""
    owed = Quote.objects.select_related("ticket", "customer")
    return email_send_once(
        owed, pk=quote_id, field="emailed_at", build=lambda quote: _message(tenant, quote)
    )


def quote_emails_catch_up(*, tenant: Tenant, older_than_seconds: int = 60) -> int:
    """Send the e-mails of quotes still waiting whose task never ran (broker down, worker
    lost); each is claimed by ``quote_email_send``, so racing the regular task sends nothing
    twice. Precondition: ``tenant``'s scope is active and no transaction is open."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    owed = Quote.objects.filter(
        status=QuoteStatus.SENT, emailed_at__isnull=True, created_at__lte=cutoff
    ).exclude(customer__email="")
    return sum(
        quote_email_send(tenant=tenant, quote_id=pk)
        for pk in owed.order_by("pk").values_list("pk", flat=True)[:500]
    )


def _message(tenant: Tenant, quote: Quote) -> EmailMessage:
    customer = quote.customer
    lines = list(quote.lines.select_related("part"))
    context = {
        "tenant": tenant,
        "quote": quote,
        "ticket": quote.ticket,
        "customer": customer,
        "lines": lines,
        "quote_url": portal_quote_url(quote, tenant),
    }
    with (
        translation.override(customer.language or tenant.default_language),
        timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)),
    ):
        subject = render_to_string("repairs/email/quote_subject.txt", context).strip()
        body = render_to_string("repairs/email/quote.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.extra_headers["Message-ID"] = stable_message_id(
        kind="quote", pk=quote.pk, tenant=tenant
    )
    return message
