"""Writes of work orders. Each public function is one transaction, records its change through
``helpdesk.audit.audit_record`` (a ``WorkOrderEvent``) and sends its domain event
(``fieldservice.events``) once the change is written.

* **Moves** follow the kind's table (``fieldservice.transitions``) and are one conditional
  UPDATE on the status read, so two concurrent moves from one status cannot both happen.
* **Scheduling** is the one way into ``scheduled``: it needs a technician and a window, and
  refuses a window that overlaps another visit holding the same technician's time. The
  technician's ``Membership`` row is locked first, so two concurrent schedulings for one
  technician run one after the other and the second sees the first.

Preconditions for all of them: the tenant scope is active and the caller has checked that
``actor`` may make the change.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldservice import events
from fieldservice.models import (
    RmaCounter,
    WorkOrder,
    WorkOrderKind,
    WorkOrderPhoto,
    WorkOrderStatus,
)
from fieldservice.transitions import HOLDS_TECHNICIAN, INITIAL_STATUS, can_move
from helpdesk.audit import audit_record
from helpdesk.models import Membership, Skill, Tenant
from products.models import Unit
from tickets.models import Ticket

logger = logging.getLogger(__name__)
S = WorkOrderStatus
RMA_FORMAT = "RMA-{:06d}"
# Entering these clears the appointment: the visit needs a new window (or none) first.
RELEASES_APPOINTMENT = (S.UNSCHEDULED, S.RESCHEDULED)


# --- creation -------------------------------------------------------------------------------------


def work_order_create(
    *,
    tenant: Tenant,
    actor: Membership | None,
    ticket: Ticket,
    kind: str,
    unit: Unit | None = None,
    address: str = "",
    required_skills: Iterable[Skill] = (),
    inbound_carrier: str = "",
    inbound_tracking: str = "",
) -> WorkOrder:
    """A new visit (``unscheduled``) or depot repair (``received``, with the tenant's next RMA
    number) for ``ticket``. The unit defaults to the ticket's; a visit's address to the unit's
    installation address, and a visit without one is a ``ValidationError`` on ``address``."""
    skills = list(required_skills)
    _check_own(tenant, [ticket], "ticket", _("Choose a ticket of this desk."))
    _check_own(tenant, skills, "required_skills", _("Choose skills of this desk."))
    if kind not in WorkOrderKind.values:
        raise ValidationError({"kind": _("Choose on-site visit or depot repair.")})
    unit = unit or ticket.unit
    if unit is not None:
        _check_own(tenant, [unit], "unit", _("Choose a unit of this desk."))
    address = address.strip() or (unit.installation_address.strip() if unit else "")
    if kind == WorkOrderKind.ON_SITE and not address:
        raise ValidationError({"address": _("Give the address of the visit.")})
    with transaction.atomic():
        work_order = WorkOrder.objects.create(
            tenant=tenant,
            ticket=ticket,
            unit=unit,
            kind=kind,
            status=INITIAL_STATUS[kind],
            address=address,
            inbound_carrier=inbound_carrier.strip(),
            inbound_tracking=inbound_tracking.strip(),
            created_by=actor,
        )
        if kind == WorkOrderKind.DEPOT_REPAIR:
            work_order.rma_number = RMA_FORMAT.format(_next_rma_number(tenant))
            work_order.save(update_fields=["rma_number"])
        work_order.required_skills.set(skills)
        audit_record(
            tenant=tenant, actor=actor, action="created", target=work_order, new=work_order.status
        )
        events.work_order_created.send(sender=WorkOrder, work_order=work_order, actor=actor)
    return work_order


def _next_rma_number(tenant: Tenant) -> int:
    """Precondition: in a transaction. The counter row stays locked until it commits, so
    numbers are consecutive and a rolled-back creation gives its number back."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        RmaCounter.objects.get_or_create(tenant=tenant)
        RmaCounter.objects.filter(tenant=tenant).update(last_number=F("last_number") + 1)
        return RmaCounter.objects.get(tenant=tenant).last_number
    table = connection.ops.quote_name(RmaCounter._meta.db_table)
    sql = f"UPDATE {table} SET last_number = last_number + 1 WHERE tenant_id = %s RETURNING last_number"  # noqa: S608,E501 - our own table name  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    try:
        with transaction.atomic():
            RmaCounter.objects.create(tenant=tenant, last_number=1)
    except IntegrityError:
        return _next_rma_number(tenant)
    return 1


def _check_own(tenant: Tenant, rows: Iterable, field: str, message: str) -> None:
    if any(row.tenant_id != tenant.pk for row in rows):
        raise ValidationError({field: message})


# --- scheduling -----------------------------------------------------------------------------------


def work_order_schedule(
    *,
    work_order: WorkOrder,
    actor: Membership | None,
    technician: Membership,
    start: datetime,
    end: datetime,
) -> WorkOrder:
    """Give a visit its technician and appointment window and move it to ``scheduled`` (also
    to move a scheduled visit to another window or technician). ``ValidationError`` on
    ``end`` for an empty window, on ``technician`` for someone not active here or already
    booked in an overlapping window, on ``status`` when the visit cannot be scheduled now."""
    tenant_id = work_order.tenant_id
    if end <= start:
        raise ValidationError({"end": _("The window must end after it starts.")})
    if technician.tenant_id != tenant_id or not technician.is_active:
        raise ValidationError({"technician": _("Choose an active member of this desk.")})
    with transaction.atomic():
        # The technician's row first: it serialises every scheduling of this technician.
        Membership.objects.select_for_update().filter(pk=technician.pk).first()
        current = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        old = current.status
        if old != S.SCHEDULED and not can_move(current.kind, old, S.SCHEDULED):
            raise _refused(old, S.SCHEDULED)
        if _overlapping(technician, start, end).exclude(pk=current.pk).exists():
            raise ValidationError(
                {"technician": _("This technician has another visit in this window.")}
            )
        WorkOrder.objects.filter(pk=current.pk).update(
            status=S.SCHEDULED,
            technician=technician,
            appointment_start=start,
            appointment_end=end,
            updated_at=timezone.now(),
            **({} if old == S.SCHEDULED else {"status_changed_at": timezone.now()}),
        )
        work_order.refresh_from_db()
        audit_record(
            tenant=tenant_id,
            actor=actor,
            action="scheduled",
            target=work_order,
            field="status",
            old=old,
            new=S.SCHEDULED,
            data={"technician": technician.pk, "start": start.isoformat(), "end": end.isoformat()},
        )
        _send_changed(work_order, actor, old)
    return work_order


def _overlapping(technician: Membership, start: datetime, end: datetime):
    """The technician's visits that hold time in ``[start, end)``: windows that touch end to
    end do not overlap."""
    return WorkOrder.objects.filter(
        technician=technician,
        status__in=HOLDS_TECHNICIAN,
        appointment_start__lt=end,
        appointment_end__gt=start,
    )


# --- moves ----------------------------------------------------------------------------------------


def work_order_move(
    *,
    work_order: WorkOrder,
    actor: Membership | None,
    status: str,
    reason: str = "",
    tracking: str = "",
) -> WorkOrder:
    """Move along the kind's table. ``ValidationError`` on ``status`` for a move the table
    does not have (or one made meanwhile by someone else), on ``reason`` for
    ``could_not_complete`` without one, on ``tracking`` for ``shipped_back`` without the
    return tracking number. Entering ``on_site`` checks in, leaving it checks out."""
    old = work_order.status
    if status == S.SCHEDULED or not can_move(work_order.kind, old, status):
        raise _refused(old, status)
    values = _move_values(status, reason.strip(), tracking.strip())
    with transaction.atomic():
        moved = WorkOrder.objects.filter(pk=work_order.pk, status=old).update(**values)
        if not moved:
            raise _refused(old, status)
        work_order.refresh_from_db()
        audit_record(
            tenant=work_order.tenant_id,
            actor=actor,
            action="status_changed",
            target=work_order,
            field="status",
            old=old,
            new=status,
        )
        _send_changed(work_order, actor, old)
    return work_order


def _move_values(status: str, reason: str, tracking: str) -> dict:
    now = timezone.now()
    values: dict = {"status": status, "updated_at": now, "status_changed_at": now}
    if status == S.COULD_NOT_COMPLETE:
        if not reason:
            raise ValidationError({"reason": _("Say why the visit could not be completed.")})
        values["outcome_reason"] = reason
    if status == S.SHIPPED_BACK:
        if not tracking:
            raise ValidationError({"tracking": _("Give the return tracking number.")})
        values["return_tracking"] = tracking
    if status == S.ON_SITE:
        values["checked_in_at"] = now
    if status in (S.COMPLETED, S.COULD_NOT_COMPLETE):
        values["checked_out_at"] = now
    if status in RELEASES_APPOINTMENT:
        values.update(technician=None, appointment_start=None, appointment_end=None)
    return values


def _refused(old: str, new: str) -> ValidationError:
    return ValidationError(
        {
            "status": _("Cannot go from %(old)s to %(new)s.")
            % {"old": _label(old), "new": _label(new)}
        }
    )


def _label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


def _send_changed(work_order: WorkOrder, actor, old: str) -> None:
    events.work_order_changed.send(
        sender=WorkOrder, work_order=work_order, actor=actor, old=old, new=work_order.status
    )


# --- personal data --------------------------------------------------------------------------------


def work_orders_personal_data_blank(*, ticket_ids: list[int], now: datetime) -> int:
    """Blank what the tickets' work orders say about the customer: the visit's address, the
    work done, why it could not be completed and who signed; delete the signature image and
    the photos (rows now, files once the erasure is committed, as ticket attachments). Kept:
    kind, status, RMA and tracking numbers, technician, parts used and every timestamp
    (``signed_at`` too), for the reports. Called when the tickets' personal data is erased
    (``tickets.erasure``), inside that transaction; answers how many were blanked."""
    work_orders = WorkOrder.objects.filter(ticket_id__in=ticket_ids)
    photos = WorkOrderPhoto.objects.filter(work_order__ticket_id__in=ticket_ids)
    names = [name for name in work_orders.values_list("signature", flat=True) if name]
    names += [name for name in photos.values_list("file", flat=True) if name]
    photos.delete()
    blanked = work_orders.update(
        address="", work_done="", outcome_reason="", signed_by="", signature="", updated_at=now
    )
    if names:
        storage = WorkOrder._meta.get_field("signature").storage
        transaction.on_commit(lambda: _files_delete(storage, names))
    return blanked


def _files_delete(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The row no longer names the file, so nothing serves it; the operator removes it.
            logger.warning("could not delete erased work-order file %s", name, exc_info=True)
