"""A technician's visits as an iCalendar feed (RFC 5545), and the signed token in its URL.

Calendar apps cannot sign in, so the feed's URL carries a token signed with the site's key,
binding the tenant and the membership: a token of another tenant, or for another member,
does not open the feed. The ``icalendar`` package does the escaping and line folding.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from fieldservice.models import WorkOrder
from fieldservice.transitions import HOLDS_TECHNICIAN

FEED_SALT = "fieldservice.technician-calendar"
# How far back the feed reaches: recent days stay visible, old history does not grow it.
FEED_PAST_DAYS = 30


def feed_token(*, tenant_id: int, membership_id: int) -> str:
    return signing.dumps({"t": tenant_id, "m": membership_id}, salt=FEED_SALT, compress=True)


def feed_url(request, membership_id: int) -> str:
    """The absolute URL of the member's feed on this tenant's host, token included."""
    token = feed_token(tenant_id=request.tenant.pk, membership_id=membership_id)
    path = reverse("fieldservice_calendar_feed", kwargs={"membership_id": membership_id})
    return request.build_absolute_uri(f"{path}?{urlencode({'token': token})}")


def feed_membership_id(token: str, *, tenant_id: int) -> int | None:
    """The membership a token opens the feed of on this tenant, or None (bad, other tenant)."""
    try:
        data = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") != tenant_id:
        return None
    return data.get("m") if isinstance(data.get("m"), int) else None


def feed_visits(membership_id: int) -> QuerySet[WorkOrder]:
    """The technician's visits that hold their time, from a month ago on. Scope active."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return (
        WorkOrder.objects.filter(
            technician_id=membership_id,
            status__in=HOLDS_TECHNICIAN,
            appointment_end__gte=since,
        )
        .select_related("ticket__customer", "unit__product")
        .prefetch_related("required_skills")
        .order_by("appointment_start", "pk")
    )


def technician_calendar(visits, *, tenant, host: str, name: str) -> bytes:
    """The feed: one VEVENT per visit, UID stable per work order, times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", "-//After-sales service desk//Field service//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for visit in visits:
        calendar.add_component(_event(visit, tenant=tenant, host=host, stamp=stamp))
    return calendar.to_ical()


def _event(visit: WorkOrder, *, tenant, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"work-order-{visit.pk}-{tenant.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.appointment_start.astimezone(UTC))
    event.add("dtend", visit.appointment_end.astimezone(UTC))
    event.add("summary", f"#{visit.ticket.number} {visit.ticket.customer}")
    event.add("location", visit.address)
    event.add("description", _description(visit))
    event.add("status", "CONFIRMED")
    return event


def _description(visit: WorkOrder) -> str:
    lines = [visit.ticket.subject]
    if visit.unit is not None:
        lines.append(f"{visit.unit.product} · {visit.unit.serial}")
    skills = ", ".join(skill.name for skill in visit.required_skills.all())
    if skills:
        lines.append(skills)
    return "\n".join(line for line in lines if line)
