"""Reads of work orders, with what their representation needs loaded."""

from django.db.models import QuerySet
from django.http import Http404

from fieldservice.models import WorkOrder
from helpdesk.models import Membership
from tickets.selectors import tickets_visible_to


def work_orders_visible_to(member: Membership) -> QuerySet[WorkOrder]:
    """The work orders of the tickets this member may open, oldest first. Precondition: the
    tenant scope is active."""
    return (
        WorkOrder.objects.filter(ticket__in=tickets_visible_to(member).values("pk"))
        .select_related("ticket", "unit__product", "technician__user")
        .order_by("pk")
    )


def work_order_get_for_member(*, member: Membership, pk: int) -> WorkOrder:
    """The work order if the member may see it, else 404 (as another tenant's)."""
    work_order = work_orders_visible_to(member).filter(pk=pk).first()
    if work_order is None:
        raise Http404
    return work_order
