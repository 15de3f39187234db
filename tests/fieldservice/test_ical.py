"""A technician's calendar feed: RFC 5545 structure, only their visits, and the signed token
as the only key (bad, another member's, another tenant's: 404)."""

from datetime import UTC, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from fieldservice import ical, services
from fieldservice.models import WorkOrder
from helpdesk.models import Skill
from tests.conftest import HOST_A, client_for
from tests.fieldservice.dispatch_helpers import make_technician
from tests.fieldservice.helpers import make_work_order

pytestmark = pytest.mark.django_db


def soon(hours: int):
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    start = start.replace(hour=hours)
    return start, start + timedelta(hours=2)


def scheduled_visit(tenant, technician, hour, address="No. 8 Jianguo Road; Chaoyang, Beijing"):
    visit = make_work_order(
        tenant,
        address=address,
        required_skills=[Skill.objects.get_or_create(tenant=tenant, name="空调")[0]],
    )
    start, end = soon(hour)
    return services.work_order_schedule(
        work_order=visit, actor=None, technician=technician, start=start, end=end
    )


def feed(client, member, token):
    url = reverse("fieldservice_calendar_feed", kwargs={"membership_id": member.pk})
    return client.get(url, {"token": token})


def token_for(tenant, member):
    return ical.feed_token(tenant_id=tenant.pk, membership_id=member.pk)


@pytest.fixture
def two_technicians(tenant_a):
    with scope(tenant=tenant_a):
        wang = make_technician(tenant_a, "wang@acme.test")
        li = make_technician(tenant_a, "li@acme.test")
        mine = [scheduled_visit(tenant_a, wang, 9), scheduled_visit(tenant_a, wang, 13)]
        scheduled_visit(tenant_a, li, 9)
        make_work_order(tenant_a)  # unscheduled: in nobody's feed
    return wang, li, mine


def test_the_feed_is_a_valid_calendar_of_that_technicians_visits_only(tenant_a, two_technicians):
    wang, _li, mine = two_technicians
    response = feed(Client(HTTP_HOST=HOST_A), wang, token_for(tenant_a, wang))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    parsed = Calendar.from_ical(body)
    events = parsed.walk("VEVENT")
    assert len(events) == 2
    first = events[0]
    visit = mine[0]
    assert str(first["uid"]) == f"work-order-{visit.pk}-{tenant_a.pk}@acme.localhost"
    assert first.decoded("dtstart") == visit.appointment_start.astimezone(UTC)
    utc_start = visit.appointment_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{utc_start}\r\n".encode() in body
    assert first.decoded("dtend") == visit.appointment_end.astimezone(UTC)
    assert str(first["summary"]) == f"#{visit.ticket.number} {visit.ticket.customer}"
    assert str(first["location"]) == "No. 8 Jianguo Road; Chaoyang, Beijing"
    assert b"LOCATION:No. 8 Jianguo Road\\; Chaoyang\\, Beijing" in body
    assert "空调" in str(first["description"])


def test_the_uid_stays_the_same_when_the_visit_moves(tenant_a, two_technicians):
    wang, _li, mine = two_technicians
    client = Client(HTTP_HOST=HOST_A)
    before = Calendar.from_ical(feed(client, wang, token_for(tenant_a, wang)).content)
    with scope(tenant=tenant_a):
        start, end = soon(16)
        services.work_order_schedule(
            work_order=WorkOrder.objects.get(pk=mine[0].pk),
            actor=None,
            technician=wang,
            start=start,
            end=end,
        )
    after = Calendar.from_ical(feed(client, wang, token_for(tenant_a, wang)).content)
    uids = {str(event["uid"]): event.decoded("dtstart") for event in after.walk("VEVENT")}
    assert set(uids) == {str(event["uid"]) for event in before.walk("VEVENT")}
    assert uids[f"work-order-{mine[0].pk}-{tenant_a.pk}@acme.localhost"] == start


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c"])
def test_a_bad_token_is_a_404(tenant_a, two_technicians, token):
    wang, _li, _mine = two_technicians
    assert feed(Client(HTTP_HOST=HOST_A), wang, token).status_code == 404


def test_another_members_token_does_not_open_this_feed(tenant_a, two_technicians):
    wang, li, _mine = two_technicians
    assert feed(Client(HTTP_HOST=HOST_A), wang, token_for(tenant_a, li)).status_code == 404


def test_a_token_of_another_tenant_is_a_404(tenant_a, tenant_b, two_technicians, outsider):
    wang, _li, _mine = two_technicians
    theirs = ical.feed_token(tenant_id=tenant_b.pk, membership_id=wang.pk)
    assert feed(Client(HTTP_HOST=HOST_A), wang, theirs).status_code == 404
    # A real token of tenant A, tried on tenant B's host: no feed there either.
    mine = token_for(tenant_a, wang)
    assert feed(Client(HTTP_HOST="globex.localhost"), wang, mine).status_code == 404


def test_a_member_no_longer_active_has_no_feed(tenant_a, two_technicians):
    wang, _li, _mine = two_technicians
    with scope(tenant=tenant_a):
        type(wang).objects.filter(pk=wang.pk).update(is_active=False)
    assert feed(Client(HTTP_HOST=HOST_A), wang, token_for(tenant_a, wang)).status_code == 404


def test_a_technician_finds_their_own_feed_link(tenant_a, two_technicians):
    wang, _li, _mine = two_technicians
    page = client_for(wang).get(reverse("fieldservice_my_calendar")).content.decode()
    token = token_for(tenant_a, wang)
    query = urlencode({"token": token})
    assert f"http://acme.localhost/dispatch/technicians/{wang.pk}/calendar.ics?{query}" in page


def test_a_member_who_is_not_a_technician_has_no_feed_page(agent_client_a):
    assert agent_client_a.get(reverse("fieldservice_my_calendar")).status_code == 404


def test_an_outsider_gets_404_on_the_feed_page(outsider_client):
    assert outsider_client.get(reverse("fieldservice_my_calendar")).status_code == 404


def test_a_technician_who_also_dispatches_finds_the_board_from_their_feed_page(tenant_a):
    with scope(tenant=tenant_a):
        plain = make_technician(tenant_a, "plain@acme.test")
        lead = make_technician(tenant_a, "lead@acme.test", is_coordinator=True)
    board = f'href="{reverse("fieldservice_dispatch")}"'
    assert board in client_for(lead).get(reverse("fieldservice_my_calendar")).content.decode()
    assert board not in client_for(plain).get(reverse("fieldservice_my_calendar")).content.decode()
