"""Edits of a work order's details from the agent's page: where the visit is (address,
region) and how the device comes in (carrier, inbound tracking number). Moves and scheduling
are ``fieldservice.services``; this module only changes what they do not.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldservice import events, services
from fieldservice.models import WorkOrder
from helpdesk.audit import audit_changes, audit_snapshot
from helpdesk.models import Membership, Tenant
from tickets.models import Ticket

EDITABLE_FIELDS = ("address", "region", "inbound_carrier", "inbound_tracking")


def work_order_update(*, work_order: WorkOrder, actor: Membership | None, **values) -> WorkOrder:
    """Change the named ``EDITABLE_FIELDS`` (stripped); one ``changed`` audit row per field
    that differs, and ``work_order_changed`` (field ``details``) when any did. A visit keeps
    an address: an empty one is a ``ValidationError`` on ``address``. Precondition: the
    tenant scope is active and the caller checked that ``actor`` may change it."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"work_order_update() cannot change {sorted(unknown)}")
    values = {name: (value or "").strip() for name, value in values.items()}
    if work_order.is_visit and "address" in values and not values["address"]:
        raise ValidationError({"address": _("Give the address of the visit.")})
    with transaction.atomic():
        before = audit_snapshot(work_order, list(values))
        for name, value in values.items():
            setattr(work_order, name, value)
        work_order.updated_at = timezone.now()
        work_order.save(update_fields=[*values, "updated_at"])
        after = audit_snapshot(work_order, list(values))
        changed = audit_changes(
            tenant=work_order.tenant_id,
            actor=actor,
            target=work_order,
            before=before,
            after=after,
        )
        if changed:
            events.work_order_changed.send(
                sender=WorkOrder,
                work_order=work_order,
                actor=actor,
                field="details",
                old=work_order.status,
                new=work_order.status,
            )
    return work_order


def work_order_open(
    *, tenant: Tenant, actor: Membership | None, ticket: Ticket, region: str = "", **values
) -> WorkOrder:
    """``services.work_order_create`` and, when given, the region it is in, in one
    transaction (the agent's creation form asks for both)."""
    with transaction.atomic():
        work_order = services.work_order_create(tenant=tenant, actor=actor, ticket=ticket, **values)
        if region.strip():
            work_order_update(work_order=work_order, actor=actor, region=region)
    return work_order
