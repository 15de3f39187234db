"""The customer kept informed of their work orders: what is owed, on which channel, and the
e-mail itself.

* A change the customer should hear of (a depot repair received with its RMA number, each
  later stage, a visit's appointment, "on the way", its completion) writes a
  ``WorkOrderNotice`` inside the change's transaction, keyed by the history row that recorded
  the change, and queues ``fieldservice.tasks.send_work_order_notice`` after the commit.
* The day before a visit, ``visit_reminders_send`` claims the visit with a conditional UPDATE
  of ``reminder_sent_for`` (the appointment start it reminds of), so two sweeps send one
  reminder, and a visit moved to another window gets a new one.
* Sending follows ``helpdesk.platform.outbox``: ``emailed_at`` is claimed, the message sent,
  then committed; the catch-up sweep sends what a lost task left owed.

``notice_channel`` is the one place that picks how a customer is told: e-mail now; SMS joins
there once the channels issue lands.
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers import tokens
from customers.models import Customer
from fieldservice.models import (
    FieldServiceSettings,
    WorkOrder,
    WorkOrderKind,
    WorkOrderNotice,
)
from fieldservice.models import WorkOrderStatus as S
from fieldservice.timeline import work_order_timelines
from helpdesk.models import Membership, Tenant
from helpdesk.platform.enqueue import enqueue_on_commit
from helpdesk.platform.outbox import email_send_once, stable_message_id
from helpdesk.tenancy import tenant_url

SEND_TASK = "fieldservice.tasks.send_work_order_notice"
EMAIL = "email"
# Kinds of notice, each with its paragraph in templates/fieldservice/email/notice.txt.
CREATED, APPOINTMENT, ON_THE_WAY, COMPLETED, STAGE, REMINDER = (
    "created",
    "appointment",
    "on_the_way",
    "completed",
    "stage",
    "reminder",
)
# What a visit's status change tells the customer (other moves are the desk's business).
VISIT_NOTICES = {S.SCHEDULED: APPOINTMENT, S.EN_ROUTE: ON_THE_WAY, S.COMPLETED: COMPLETED}
CATCH_UP_AFTER = timedelta(seconds=60)
# Reminders go out from this hour of the day before (tenant's time zone), not at midnight.
REMINDERS_FROM_HOUR = 9


def notice_channel(customer: Customer) -> str | None:
    """How the customer hears of their work orders, or None when we cannot reach them. The
    seam for SMS: a customer who chose text messages gets them from here."""
    return EMAIL if customer.email else None


# --- owed notices (inside the change's transaction) -----------------------------------------------


def notice_for_created(*, work_order: WorkOrder) -> WorkOrderNotice | None:
    """A depot repair's first message, with its RMA number; a new visit says nothing yet
    (its appointment will)."""
    if work_order.kind != WorkOrderKind.DEPOT_REPAIR:
        return None
    return _notice_owe(work_order, CREATED, CREATED, work_order.status)


def notice_for_change(*, work_order: WorkOrder, old: str, new: str, field: str = "status"):
    """The message a move or a scheduling owes, if any. Precondition: called in the change's
    transaction, after its history row was written (the key names that row)."""
    if field != "status":
        return None
    if work_order.kind == WorkOrderKind.DEPOT_REPAIR:
        kind = STAGE if new != old else None
    else:
        kind = VISIT_NOTICES.get(new)
    if kind is None:
        return None
    last_event = work_order.events.order_by("-pk").values_list("pk", flat=True).first()
    return _notice_owe(work_order, kind, f"{kind}:{last_event}", new)


def _notice_owe(work_order: WorkOrder, kind: str, key: str, status: str):
    if notice_channel(work_order.ticket.customer) is None:
        return None
    try:
        with transaction.atomic():
            notice = WorkOrderNotice.objects.create(
                tenant_id=work_order.tenant_id,
                work_order=work_order,
                kind=kind,
                key=key,
                status=status,
            )
    except IntegrityError:  # this change was told already
        return None
    enqueue_on_commit(SEND_TASK, tenant_id=work_order.tenant_id, notice_id=notice.pk)
    return notice


# --- reminders the day before ------------------------------------------------------------------


def reminders_wanted(tenant: Tenant) -> bool:
    row = FieldServiceSettings.objects.filter(tenant=tenant).first()
    return True if row is None else row.send_reminders


def visits_tomorrow(tenant: Tenant, now: datetime):
    """Scheduled visits starting tomorrow in the tenant's time zone, not yet reminded of
    their current window."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    tomorrow = (now.astimezone(zone) + timedelta(days=1)).date()
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    return WorkOrder.objects.filter(
        kind=WorkOrderKind.ON_SITE,
        status=S.SCHEDULED,
        appointment_start__gte=start,
        appointment_start__lt=start + timedelta(days=1),
    ).select_related("ticket__customer")


def visit_reminders_send(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Owe and queue one reminder for each visit tomorrow; how many were claimed.
    Precondition: ``tenant``'s scope is active and no transaction is open."""
    now = now or timezone.now()
    local_hour = now.astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).hour
    if local_hour < REMINDERS_FROM_HOUR or not reminders_wanted(tenant):
        return 0
    claimed = 0
    for visit in visits_tomorrow(tenant, now):
        if visit.reminder_sent_for != visit.appointment_start:
            claimed += _reminder_claim(visit)
    return claimed


def _reminder_claim(visit: WorkOrder) -> int:
    """Claim the reminder of the visit's current window: the conditional UPDATE lets one of
    two concurrent sweeps through (the other waits on the row, then matches nothing)."""
    start = visit.appointment_start
    with transaction.atomic():
        won = (
            WorkOrder.objects.filter(pk=visit.pk, status=S.SCHEDULED, appointment_start=start)
            .exclude(reminder_sent_for=start)
            .update(reminder_sent_for=start)
        )
        if won:
            _notice_owe(visit, REMINDER, f"{REMINDER}:{start.isoformat()}", visit.status)
    return won


# --- sending (a task or the catch-up sweep, outside any transaction) -----------------------------


def notice_send(*, tenant: Tenant, notice_id: int) -> bool:
    """Send the notice once on the customer's channel; False if it went already (or the
    customer can no longer be reached). Precondition: ``tenant``'s scope is active and no
    transaction is open."""
    owed = WorkOrderNotice.objects.select_related(
        "work_order__ticket__customer", "work_order__technician__user"
    )
    notice = owed.filter(pk=notice_id).first()
    if notice is None or notice_channel(notice.work_order.ticket.customer) != EMAIL:
        return False
    return email_send_once(
        owed, pk=notice_id, field="emailed_at", build=lambda row: _message(tenant, row)
    )


def notices_catch_up(*, tenant: Tenant, older_than: timedelta = CATCH_UP_AFTER) -> int:
    """Send the notices whose own task never ran (broker down, worker lost); each is claimed
    by ``notice_send``, so racing the regular task sends nothing twice. Precondition:
    ``tenant``'s scope is active and no transaction is open."""
    cutoff = timezone.now() - older_than
    owed = WorkOrderNotice.objects.filter(emailed_at__isnull=True, created_at__lte=cutoff)
    return sum(
        notice_send(tenant=tenant, notice_id=pk)
        for pk in owed.order_by("pk").values_list("pk", flat=True)[:500]
    )


def portal_ticket_url(work_order: WorkOrder, tenant: Tenant) -> str:
    """The signed link to the ticket's portal page, where the work order is shown."""
    token = tokens.follow_token(tenant_id=work_order.tenant_id, ticket_id=work_order.ticket_id)
    return tenant_url(tenant, reverse("portal_ticket", kwargs={"token": token}))


def technician_first_name(member: Membership | None) -> str:
    """What the customer is told of the technician: the first word of their name, never their
    e-mail address or phone."""
    if member is None or not member.user.full_name.strip():
        return ""
    return member.user.full_name.split()[0]


def _message(tenant: Tenant, notice: WorkOrderNotice) -> EmailMessage:
    work_order = notice.work_order
    customer = work_order.ticket.customer
    context = {
        "tenant": tenant,
        "notice": notice,
        "work_order": work_order,
        "ticket": work_order.ticket,
        "customer": customer,
        "status_label": S(notice.status).label if notice.status in S.values else "",
        "technician": technician_first_name(work_order.technician),
        "steps": work_order_timelines([work_order])[work_order.pk],
        "portal_url": portal_ticket_url(work_order, tenant),
    }
    with (
        translation.override(customer.language or tenant.default_language),
        timezone.override(zoneinfo.ZoneInfo(tenant.time_zone)),
    ):
        subject = render_to_string("fieldservice/email/notice_subject.txt", context).strip()
        body = render_to_string("fieldservice/email/notice.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.extra_headers["Message-ID"] = stable_message_id(
        kind="work-order-notice", pk=notice.pk, tenant=tenant
    )
    return message
