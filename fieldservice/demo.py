"""Demo field service for acme: two technicians with their vans, regions and a working
calendar, and a few work orders on the demo tickets (a visit waiting for a window, one
booked today, a depot repair diagnosed). Everything goes through the services."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from fieldservice.models import TechnicianProfile, WorkOrderKind, WorkOrderStatus
from fieldservice.services import work_order_create, work_order_move, work_order_schedule
from fieldservice.settings_services import technician_profile_create
from fieldservice.work_order_edits import work_order_update
from helpdesk.models import Membership, Skill, Tenant
from repairs.models import LocationKind, Part, StockLocation
from repairs.services import stock_location_create, stock_receive
from sla.models import Calendar
from sla.services import calendar_save
from tickets.models import Ticket

CALENDAR_NAME = "Field technicians 技术员工作时间"
# Monday to Saturday, 08:30-18:00.
OPENING_HOURS = {str(day): [["08:30", "18:00"]] for day in range(6)}
# e-mail, regions, home base, coordinator
TECHNICIANS = (
    ("agent1@acme.test", "朝阳区 Chaoyang\n东城区 Dongcheng", "Main warehouse 总仓", True),
    ("agent3@acme.test", "海淀区 Haidian\n朝阳区 Chaoyang", "Haidian depot 海淀站", False),
)
VAN_PARTS = (("FLT-HEPA-02", 4), ("SNS-TEMP-03", 3))
# The region each demo visit is dispatched under (as the technicians' regions name them).
REGIONS = {"leaks": "朝阳区 Chaoyang", "cooling": "海淀区 Haidian"}
ADDRESSES = {
    "leaks": "北京市朝阳区建国路88号 3单元 1202",
    "cooling": "北京市海淀区中关村大街27号 5层",
}


def seed_field_service(tenant: Tenant, admin: Membership) -> None:
    """Idempotent: does nothing once the tenant has a technician. Precondition: in scope,
    after the demo people, tickets and parts."""
    if TechnicianProfile.objects.exists():
        return
    calendar = _working_calendar(tenant, admin)
    members = [
        _technician(tenant, admin, calendar, *technician)
        for technician in TECHNICIANS
        if Membership.objects.filter(user__email=technician[0]).exists()
    ]
    if members:
        _work_orders(tenant, admin, members[0])


def _working_calendar(tenant: Tenant, admin: Membership) -> Calendar:
    existing = Calendar.objects.filter(name=CALENDAR_NAME).first()
    if existing is not None:
        return existing
    calendar = Calendar(tenant=tenant)
    values = {
        "name": CALENDAR_NAME,
        "time_zone": tenant.time_zone,
        "is_24x7": False,
        "opening_hours": OPENING_HOURS,
    }
    return calendar_save(tenant=tenant, actor=admin, calendar=calendar, values=values)


def _technician(tenant, admin, calendar, email, regions, home_base, coordinator) -> Membership:
    member = Membership.objects.select_related("user").get(user__email=email)
    values = {
        "regions": regions,
        "calendar": calendar,
        "home_base": home_base,
        "is_coordinator": coordinator,
        "is_active": True,
    }
    technician_profile_create(tenant=tenant, actor=admin, membership=member, values=values)
    if not StockLocation.objects.filter(kind=LocationKind.VAN, holder=member).exists():
        _stock_van(tenant, member)
    return member


def _stock_van(tenant: Tenant, member: Membership) -> None:
    van = stock_location_create(
        tenant=tenant,
        actor=None,
        name=f"Van of {member.user}",
        kind=LocationKind.VAN,
        holder=member,
    )
    for part_number, quantity in VAN_PARTS:
        part = Part.objects.filter(part_number=part_number).first()
        if part is not None:
            stock_receive(tenant=tenant, actor=None, part=part, location=van, quantity=quantity)


def _work_orders(tenant: Tenant, admin: Membership, technician: Membership) -> None:
    skill = Skill.objects.filter(name="家电维修").first()
    skills = [skill] if skill else []
    leaks = Ticket.objects.filter(subject__startswith="Washing machine leaks").first()
    if leaks is not None:
        visit = work_order_create(
            tenant=tenant,
            actor=admin,
            ticket=leaks,
            kind=WorkOrderKind.ON_SITE,
            address=ADDRESSES["leaks"],
            required_skills=skills,
        )
        work_order_update(work_order=visit, actor=admin, region=REGIONS["leaks"])
    cooling = Ticket.objects.filter(subject__startswith="空调不制冷").first()
    if cooling is not None:
        visit = work_order_create(
            tenant=tenant,
            actor=admin,
            ticket=cooling,
            kind=WorkOrderKind.ON_SITE,
            address=ADDRESSES["cooling"],
            required_skills=skills,
        )
        work_order_update(work_order=visit, actor=admin, region=REGIONS["cooling"])
        start, end = _this_afternoon(tenant)
        work_order_schedule(
            work_order=visit, actor=admin, technician=technician, start=start, end=end
        )
    compressor = Ticket.objects.filter(subject__startswith="保修期内更换压缩机").first()
    if compressor is not None:
        repair = work_order_create(
            tenant=tenant,
            actor=admin,
            ticket=compressor,
            kind=WorkOrderKind.DEPOT_REPAIR,
            inbound_carrier="SF Express 顺丰",
            inbound_tracking="SF1234567890",
        )
        work_order_move(work_order=repair, actor=admin, status=WorkOrderStatus.DIAGNOSED)


def _this_afternoon(tenant: Tenant) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tenant.time_zone)
    start = datetime.combine(timezone.localdate(None, zone), time(14, 0), tzinfo=zone)
    return start, start + timedelta(hours=2)
