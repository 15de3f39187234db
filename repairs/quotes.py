"""Every write on quotes: an agent sends or withdraws one, the customer approves or declines it.

Each public function is one transaction and records its change on the ticket's audit trail
(``quote_sent``, ``quote_approved``, ``quote_declined``, ``quote_withdrawn``); the decisions
emit the ``quote.approved`` / ``quote.declined`` webhooks through that record
(``repairs.webhooks``). While a quote waits, the ticket is PENDING, so its SLA clock stands
still; a decision or a withdrawal puts it back to OPEN and the clock runs again.

Preconditions for all of them: the tenant scope is active and the caller has checked access
(an agent through ``ticket_get_for_member``, a customer through the ticket's signed link).
"""

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customers.models import Customer
from helpdesk.audit import audit_record, audit_save
from helpdesk.models import Membership, Tenant
from helpdesk.notifications import notify
from helpdesk.platform.enqueue import enqueue_on_commit
from repairs.costing import RepairCost, ticket_repair_cost
from repairs.models import Quote, QuoteLine, QuoteStatus, RepairSettings
from tickets.models import Status, Ticket
from tickets.services import ticket_change_status

MAX_LABOUR_HOURS = Decimal("1000")


class NothingToCharge(ValidationError):
    """The entitlement covers the whole repair: there is nothing for the customer to approve."""


def _same_tenant(tenant: Tenant, *rows) -> None:
    if any(row.tenant_id != tenant.pk for row in rows):
        raise ValueError("a quote service called across tenants")


# --- sending -------------------------------------------------------------------------------------


def _check_can_quote(ticket: Ticket, labour_hours: Decimal) -> None:
    if labour_hours is None or labour_hours < 0 or labour_hours > MAX_LABOUR_HOURS:
        raise ValidationError(
            {"labour_hours": _("Enter the labour hours as a number from 0 to 1000.")}
        )
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError(_("A resolved or closed ticket gets no quote; reopen it first."))
    waiting = ticket.quotes.filter(status=QuoteStatus.SENT).first()
    if waiting is not None:
        raise _already_waiting(waiting)


def _already_waiting(waiting: Quote) -> ValidationError:
    return ValidationError(
        _(
            "A quote sent on %(when)s is still waiting for the customer; withdraw it before "
            "sending another."
        )
        % {"when": _local_text(waiting.created_at, waiting.tenant_id)}
    )


@transaction.atomic
def quote_send(
    *,
    tenant: Tenant,
    actor: Membership,
    ticket: Ticket,
    labour_hours: Decimal,
    on_site: bool,
    note: str = "",
) -> Quote:
    """Price the repair, send the customer the quote and put the ticket in PENDING (its SLA
    clock pauses). ``NothingToCharge`` when the entitlement covers everything."""
    _same_tenant(tenant, ticket, actor)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("unit__product")
        .get(pk=ticket.pk)
    )
    _check_can_quote(ticket, labour_hours)
    cost, _entitlement, rates = ticket_repair_cost(
        ticket=ticket, labour_hours=labour_hours, on_site=on_site
    )
    if not cost.lines:
        raise ValidationError(
            {"labour_hours": _("Nothing to quote yet: no parts used, no labour and no call-out.")}
        )
    if cost.is_covered:
        raise NothingToCharge(
            _(
                "Nothing to charge: the warranty or contract covers this repair, so no quote "
                "is needed."
            )
        )
    quote = _quote_create(ticket, actor, cost, rates.currency, note)
    ticket_change_status(ticket=ticket, actor=actor, status=Status.PENDING)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="quote_sent",
        target=ticket,
        field="quote",
        new=f"{quote.currency} {quote.total}",
        data={"quote": quote.pk, "total": str(quote.total), "currency": quote.currency},
    )
    if ticket.customer.email:
        enqueue_on_commit("repairs.tasks.send_quote_email", tenant_id=tenant.pk, quote_id=quote.pk)
    return quote


def _quote_create(ticket: Ticket, actor, cost: RepairCost, currency: str, note: str) -> Quote:
    try:
        with transaction.atomic():
            quote = Quote.objects.create(
                tenant_id=ticket.tenant_id,
                ticket=ticket,
                unit=ticket.unit,
                customer=ticket.customer,
                currency=currency,
                parts_amount=cost.parts_amount,
                labour_amount=cost.labour_amount,
                callout_fee=cost.callout_fee,
                covered_amount=cost.covered_amount,
                total=cost.total,
                note=note,
                created_by=actor,
            )
    except IntegrityError:
        # Another send won the race past the check (the partial unique constraint).
        raise _already_waiting(ticket.quotes.get(status=QuoteStatus.SENT)) from None
    QuoteLine.objects.bulk_create(
        QuoteLine(
            tenant_id=ticket.tenant_id,
            quote=quote,
            kind=line.kind,
            description=line.description[:300],
            part_id=line.part_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
        )
        for line in cost.lines
    )
    return quote


# --- deciding ------------------------------------------------------------------------------------


def _local_text(moment, tenant_id: int) -> str:
    """``2026-12-07 14:03`` in the tenant's time zone."""
    tenant = Tenant.objects.only("time_zone").get(pk=tenant_id)
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(tenant.time_zone))
    return date_format(local, "Y-m-d H:i")


def _no_longer_waiting(quote: Quote) -> ValidationError:
    when = _local_text(quote.decided_at or quote.created_at, quote.tenant_id)
    messages = {
        QuoteStatus.APPROVED: _("This quote was approved on %(when)s."),
        QuoteStatus.DECLINED: _("This quote was declined on %(when)s."),
        QuoteStatus.WITHDRAWN: _("This quote was withdrawn on %(when)s."),
    }
    return ValidationError(messages[quote.status] % {"when": when}, code="decided")


def _lock_waiting(quote: Quote) -> Quote:
    """The quote's row, locked until the commit, if it still waits; else the clear error."""
    locked = (
        Quote.objects.select_for_update(of=("self",))
        .select_related("ticket", "customer")
        .get(pk=quote.pk)
    )
    if locked.status != QuoteStatus.SENT:
        raise _no_longer_waiting(locked)
    return locked


def _resume_ticket(ticket: Ticket, actor: Membership | None) -> None:
    """Back to work: the SLA clock runs again. A ticket an agent moved on meanwhile stays."""
    if ticket.status == Status.PENDING:
        ticket_change_status(ticket=ticket, actor=actor, status=Status.OPEN)


def _decide(quote: Quote, status: str, reason: str = "") -> None:
    quote.status = status
    quote.decided_at = timezone.now()
    quote.decline_reason = reason
    quote.save(update_fields=["status", "decided_at", "decline_reason"])


def _customer_decision(
    tenant: Tenant, quote: Quote, customer: Customer, status: str, reason: str
) -> Quote:
    _same_tenant(tenant, quote, customer)
    locked = _lock_waiting(quote)
    if locked.customer_id != customer.pk:
        raise ValidationError(_("This quote is addressed to another customer."))
    _decide(locked, status, reason)
    who = customer.name or customer.email or _("Customer")
    audit_record(
        tenant=tenant,
        actor=_("%(name)s (customer)") % {"name": who},
        action=f"quote_{status}",
        target=locked.ticket,
        field="quote",
        old=QuoteStatus.SENT,
        new=status,
        data={"quote": locked.pk, "customer": customer.pk, "reason": reason},
    )
    _resume_ticket(locked.ticket, None)
    _notify_agent(locked)
    return locked


@transaction.atomic
def quote_approve(*, tenant: Tenant, quote: Quote, customer: Customer) -> Quote:
    """The customer accepts the price: work goes on."""
    return _customer_decision(tenant, quote, customer, QuoteStatus.APPROVED, "")


@transaction.atomic
def quote_decline(*, tenant: Tenant, quote: Quote, customer: Customer, reason: str = "") -> Quote:
    """The customer refuses the price (``reason`` optional, kept on the quote and the trail)."""
    reason = (reason or "").strip()
    if len(reason) > Quote._meta.get_field("decline_reason").max_length:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    return _customer_decision(tenant, quote, customer, QuoteStatus.DECLINED, reason)


def _notify_agent(quote: Quote) -> None:
    ticket = quote.ticket
    recipient = ticket.assignee or quote.created_by
    if recipient is None:
        return
    texts = {
        QuoteStatus.APPROVED: _("The customer approved the quote on ticket #%(number)s."),
        QuoteStatus.DECLINED: _("The customer declined the quote on ticket #%(number)s."),
    }
    notify(
        recipient=recipient,
        text=texts[quote.status] % {"number": ticket.number},
        url=reverse("ticket_detail", kwargs={"number": ticket.number}),
    )


@transaction.atomic
def quote_withdraw(*, tenant: Tenant, actor: Membership, quote: Quote) -> Quote:
    """An agent takes a waiting quote back (a wrong price, the customer called): the ticket
    goes back to OPEN and a new quote may be sent."""
    _same_tenant(tenant, quote, actor)
    locked = _lock_waiting(quote)
    _decide(locked, QuoteStatus.WITHDRAWN)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="quote_withdrawn",
        target=locked.ticket,
        field="quote",
        old=QuoteStatus.SENT,
        new=QuoteStatus.WITHDRAWN,
        data={"quote": locked.pk},
    )
    _resume_ticket(locked.ticket, actor)
    return locked


# --- the rates ---------------------------------------------------------------------------------


@transaction.atomic
def repair_settings_update(
    *, tenant: Tenant, actor: Membership, settings: RepairSettings, values: dict
) -> RepairSettings:
    """Save the tenant's rates (currency, labour rate, call-out fee), audited field by field.
    Precondition: ``values`` were validated (``RepairSettingsForm``)."""
    _same_tenant(tenant, settings, actor)
    return audit_save(tenant=tenant, actor=actor, instance=settings, values=values)
