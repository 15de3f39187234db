"""Webhook payloads of work orders, from their audited changes (``fieldservice.services``):

* ``work_order.scheduled``: a visit was given (or moved to) a technician and a window;
* ``work_order.completed``: a visit moved to completed;
* ``repair.stage_changed``: a depot repair moved to another stage.

The payload is the work order as it is after the change, by ids (no query). Registered with
``helpdesk.webhooks`` when the app is ready.
"""

from fieldservice.models import WorkOrder, WorkOrderKind, WorkOrderStatus
from helpdesk.webhooks import webhook_builder


def work_order_payload(work_order: WorkOrder) -> dict:
    return {
        "id": work_order.pk,
        "kind": work_order.kind,
        "status": work_order.status,
        "rma_number": work_order.rma_number,
        "unit_id": work_order.unit_id,
        "technician_id": work_order.technician_id,
        "appointment_start": work_order.appointment_start,
        "appointment_end": work_order.appointment_end,
        "checked_in_at": work_order.checked_in_at,
        "checked_out_at": work_order.checked_out_at,
        "return_tracking": work_order.return_tracking,
    }


@webhook_builder("fieldservice.workorder")
def work_order_webhooks(change):
    work_order = change.target
    body = {"work_order": work_order_payload(work_order), "old_status": change.old}
    if change.action == "scheduled":
        yield "work_order.scheduled", body
    elif change.action == "status_changed" and work_order.kind == WorkOrderKind.DEPOT_REPAIR:
        yield "repair.stage_changed", body
    elif change.action == "status_changed" and change.new == WorkOrderStatus.COMPLETED:
        yield "work_order.completed", body
