"""Technicians and calendars for the dispatch, calendar-feed and settings tests."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from fieldservice.models import TechnicianProfile
from helpdesk.models import Role, Skill
from sla.models import Calendar, Holiday
from tests.factories import MembershipFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the tenants' default time zone
# A Tuesday; the 9th is a Wednesday, made a holiday by ``office_calendar``.
TUESDAY = date(2026, 12, 8)
HOLIDAY = date(2026, 12, 9)


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def office_calendar(tenant, name="Field office hours") -> Calendar:
    """Monday to Friday 09:00-18:00 in Shanghai, ``HOLIDAY`` off. Precondition: in scope."""
    calendar = Calendar.objects.create(
        tenant=tenant,
        name=name,
        time_zone="Asia/Shanghai",
        opening_hours={str(day): [["09:00", "18:00"]] for day in range(5)},
    )
    Holiday.objects.create(tenant=tenant, calendar=calendar, date=HOLIDAY, name="Day off")
    return calendar


def make_technician(tenant, email, *, skills=(), regions="", calendar=None, **values):
    """A member with an active technician profile. Precondition: in the tenant's scope."""
    member = MembershipFactory(
        tenant=tenant, user=UserFactory(email=email, full_name=email.split("@")[0]), role=Role.AGENT
    )
    member.skills.set([Skill.objects.get_or_create(tenant=tenant, name=name)[0] for name in skills])
    TechnicianProfile.objects.create(
        tenant=tenant, membership=member, regions=regions, calendar=calendar, **values
    )
    return member
