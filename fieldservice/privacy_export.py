"""Field service's section of the customer data export (``customers.events.customer_data_export``).

Same rules as ``customers.privacy_export``: plain JSON values, every query filtered by the
person's rows (``ids``: the customer and the duplicates merged into them) through the work
order's ticket. The signature itself is an image: the export says whether there is one, who
signed and when.
"""

from django.db.models import Prefetch

from customers.privacy_export import event_row, iso, name_of
from fieldservice.models import WorkOrder, WorkOrderEvent, WorkOrderPart, WorkOrderPhoto


def work_orders_section(ids: list[int]) -> list[dict]:
    work_orders = (
        WorkOrder.objects.filter(ticket__customer_id__in=ids)
        .select_related("ticket", "unit", "technician__user")
        .prefetch_related(
            Prefetch("events", queryset=WorkOrderEvent.objects.order_by("created_at", "pk")),
            Prefetch("photos", queryset=WorkOrderPhoto.objects.order_by("created_at", "pk")),
            Prefetch(
                "parts_used",
                queryset=WorkOrderPart.objects.select_related("part").order_by("created_at", "pk"),
            ),
        )
        .order_by("created_at", "pk")
    )
    return [_work_order_row(work_order) for work_order in work_orders]


def _work_order_row(work_order: WorkOrder) -> dict:
    return {
        "id": work_order.pk,
        "ticket": work_order.ticket.number,
        "unit": work_order.unit.serial if work_order.unit else None,
        "kind": work_order.kind,
        "status": work_order.status,
        "rma_number": work_order.rma_number,
        "address": work_order.address,
        "region": work_order.region,
        "appointment_start": iso(work_order.appointment_start),
        "appointment_end": iso(work_order.appointment_end),
        "technician": name_of(work_order.technician and work_order.technician.user),
        "checked_in_at": iso(work_order.checked_in_at),
        "checked_out_at": iso(work_order.checked_out_at),
        "work_done": work_order.work_done,
        "outcome_reason": work_order.outcome_reason,
        "inbound_carrier": work_order.inbound_carrier,
        "inbound_tracking": work_order.inbound_tracking,
        "return_tracking": work_order.return_tracking,
        "signed": bool(work_order.signature),
        "signed_by": work_order.signed_by,
        "signed_at": iso(work_order.signed_at),
        "due_at": iso(work_order.due_at),
        "due_met_at": iso(work_order.due_met_at),
        "created_at": iso(work_order.created_at),
        "updated_at": iso(work_order.updated_at),
        "status_changed_at": iso(work_order.status_changed_at),
        "photos": [_photo_row(photo) for photo in work_order.photos.all()],
        "parts_used": [
            {"part_number": used.part.part_number, "quantity": used.quantity}
            for used in work_order.parts_used.all()
        ],
        "history": [event_row(event) for event in work_order.events.all()],
    }


def _photo_row(photo: WorkOrderPhoto) -> dict:
    return {"caption": photo.caption, "created_at": iso(photo.created_at)}
