"""Reads of work orders, with what their representation needs loaded, and who sees which.

* A **coordinator** (tenant admin, manager, team lead, or a technician whose profile says
  ``is_coordinator``) sees every work order of the desk and dispatches them.
* A **field technician** (an active ``TechnicianProfile``) who is not a coordinator sees only
  the jobs given to them.
* Any other member sees the work orders of the tickets they may open.
"""

from django.db.models import QuerySet
from django.http import Http404

from fieldservice.models import TechnicianProfile, WorkOrder
from helpdesk.models import Membership, Role
from tickets.selectors import tickets_visible_to

COORDINATOR_ROLES = (Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD)
WORK_ORDER_RELATIONS = ("ticket__customer", "unit__product", "technician__user")


def technician_profile_of(member: Membership) -> TechnicianProfile | None:
    """The member's technician profile if they go out on visits, else None (cached on the
    membership for the request)."""
    if not hasattr(member, "_field_profile"):
        member._field_profile = TechnicianProfile.objects.filter(
            membership=member, is_active=True
        ).first()
    return member._field_profile


def is_coordinator(member: Membership) -> bool:
    if member.role in COORDINATOR_ROLES:
        return True
    profile = technician_profile_of(member)
    return profile is not None and profile.is_coordinator


def is_field_technician(member: Membership) -> bool:
    return technician_profile_of(member) is not None


def work_orders_visible_to(member: Membership) -> QuerySet[WorkOrder]:
    """The work orders this member may open, oldest first. Precondition: the tenant scope is
    active."""
    work_orders = WorkOrder.objects.select_related(*WORK_ORDER_RELATIONS).order_by("pk")
    if is_coordinator(member):
        return work_orders
    if is_field_technician(member):
        return work_orders.filter(technician=member)
    return work_orders.filter(ticket__in=tickets_visible_to(member).values("pk"))


def work_order_get_for_member(*, member: Membership, pk: int) -> WorkOrder:
    """The work order if the member may see it, else 404 (as another tenant's)."""
    work_order = work_orders_visible_to(member).filter(pk=pk).first()
    if work_order is None:
        raise Http404
    return work_order


def technicians() -> QuerySet[TechnicianProfile]:
    """The desk's active technicians, by name. Precondition: the tenant scope is active."""
    return (
        TechnicianProfile.objects.filter(is_active=True, membership__is_active=True)
        .select_related("membership__user", "calendar")
        .prefetch_related("membership__skills")
        .order_by("membership__user__full_name", "membership__user__email")
    )
