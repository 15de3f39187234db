"""Reads of the technician's pages: a technician's visits of one day, and what a job page
shows besides the work order. Precondition for all: the tenant scope is active."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from fieldservice.models import TechnicianProfile, WorkOrder, WorkOrderKind
from fieldservice.selectors import is_coordinator, work_order_get_for_member, work_orders_visible_to
from fieldservice.visits import van_of
from helpdesk.models import Membership, Skill
from repairs.models import Part, StockLevel
from tickets.models import Message, MessageKind


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day from its midnight to the next, in the tenant's time zone."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def technician_for_day_page(*, member: Membership, requested: str | None) -> Membership:
    """Whose day the member sees: their own, or (a coordinator only) the member whose id was
    asked for. Anyone else asking for someone else's day gets a 404."""
    if not requested or requested == str(member.pk):
        return member
    if not requested.isdigit() or not is_coordinator(member):
        raise Http404
    technician = Membership.objects.filter(pk=int(requested)).select_related("user").first()
    if technician is None:
        raise Http404
    return technician


def visits_of_day(
    *, member: Membership, technician: Membership, day: date, zone: ZoneInfo
) -> QuerySet[WorkOrder]:
    """The technician's visits with an appointment starting that day, in appointment order,
    among those the member may see, with what the list shows loaded (constant queries)."""
    start, end = day_bounds(day, zone)
    return (
        work_orders_visible_to(member)
        .filter(
            kind=WorkOrderKind.ON_SITE,
            technician=technician,
            appointment_start__gte=start,
            appointment_start__lt=end,
        )
        .prefetch_related(Prefetch("required_skills", queryset=Skill.objects.order_by("name")))
        .order_by("appointment_start", "pk")
    )


def job_get_for_member(*, member: Membership, pk: int) -> WorkOrder:
    """The visit if the member may see it; a depot repair is not a technician's job (404)."""
    work_order = work_order_get_for_member(member=member, pk=pk)
    if not work_order.is_visit:
        raise Http404
    return work_order


def last_customer_message(work_order: WorkOrder) -> Message | None:
    return (
        work_order.ticket.messages.filter(kind=MessageKind.PUBLIC, author_customer__isnull=False)
        .order_by("-created_at", "-pk")
        .first()
    )


def van_stock(work_order: WorkOrder) -> list[StockLevel]:
    """What the visit's technician's van holds free to fit, by part number."""
    van = van_of(work_order.technician)
    if van is None:
        return []
    levels = StockLevel.objects.filter(location=van, on_hand__gt=0).select_related("part")
    return [level for level in levels.order_by("part__part_number") if level.available > 0]


def parts_in(levels: list[StockLevel]) -> QuerySet[Part]:
    return Part.objects.filter(pk__in=[level.part_id for level in levels])


def technicians_to_pick() -> QuerySet[TechnicianProfile]:
    """The desk's active technicians by name, for a coordinator's picker."""
    return (
        TechnicianProfile.objects.filter(is_active=True, membership__is_active=True)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "membership__user__email")
    )
