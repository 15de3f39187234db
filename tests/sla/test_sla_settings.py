"""SLA settings pages: policies, calendars, holidays, preview; the load_holidays command."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope

from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, Holiday, SlaPolicy
from tests.tickets.helpers import make_category, make_customer, make_ticket
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _defaults(tenant_a):
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)


def in_a(tenant, fn):
    with scope(tenant=tenant):
        return fn()


def test_the_overview_lists_the_seeded_policies_and_calendars(admin_client_a):
    page = admin_client_a.get("/settings/sla/").content.decode()
    for text in ("Urgent", "VIP &amp; Important", "Standard", "24×7", "Service hours"):
        assert text in page


def test_an_agent_cannot_open_sla_settings(agent_client_a):
    assert agent_client_a.get("/settings/sla/").status_code == 404


def test_saving_a_policy_recomputes_open_tickets(
    admin_client_a, tenant_a, django_capture_on_commit_callbacks
):
    ticket = in_a(tenant_a, lambda: make_ticket(tenant_a))
    before = in_a(tenant_a, lambda: Ticket.objects.get(pk=ticket.pk).sla.first_response_due_at)
    standard = in_a(tenant_a, lambda: SlaPolicy.objects.get(name__startswith="Standard"))
    calendar = in_a(tenant_a, lambda: Calendar.objects.get(name="24×7"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client_a.post(
            f"/settings/sla/policies/{standard.pk}/",
            {
                "name": "Standard",
                "position": 100,
                "is_active": "on",
                "calendar": calendar.pk,
                "first_response_minutes": "15",
                "next_response_minutes": "",
                "resolution_minutes": "1440",
                "amber_percent": 75,
                "manager_after_percent": 50,
            },
        )
    assert callbacks  # the recompute is queued after the commit, in the background
    assert response.status_code == 302, response.content.decode()[:2000]
    after = in_a(tenant_a, lambda: Ticket.objects.get(pk=ticket.pk).sla.first_response_due_at)
    assert (after - ticket.created_at).total_seconds() == 15 * 60 and after != before


def test_a_bad_policy_is_explained_and_nothing_is_saved(admin_client_a, tenant_a):
    calendar = in_a(tenant_a, lambda: Calendar.objects.first())
    response = admin_client_a.post(
        "/settings/sla/policies/new/",
        {
            "name": "Broken",
            "position": 1,
            "calendar": calendar.pk,
            "first_response_minutes": "-5",
            "amber_percent": 150,
            "manager_after_percent": 50,
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not in_a(tenant_a, lambda: SlaPolicy.objects.filter(name="Broken").exists())


def test_a_calendar_takes_split_and_overnight_hours_and_rejects_nonsense(admin_client_a, tenant_a):
    data = {
        "name": "Night desk",
        "time_zone": "Asia/Shanghai",
        "day_0": "09:00-12:00, 13:00-18:00",
        "day_4": "22:00-06:00",
    }
    assert admin_client_a.post("/settings/sla/calendars/new/", data).status_code == 302
    calendar = in_a(tenant_a, lambda: Calendar.objects.get(name="Night desk"))
    assert calendar.opening_hours == {
        "0": [["09:00", "12:00"], ["13:00", "18:00"]],
        "4": [["22:00", "06:00"]],
    }
    bad = admin_client_a.post(
        "/settings/sla/calendars/new/", {**data, "name": "Bad", "day_1": "nine to five"}
    )
    assert "Write intervals like" in bad.content.decode()


def test_public_holidays_load_from_the_holidays_package(admin_client_a, tenant_a):
    calendar = in_a(tenant_a, lambda: Calendar.objects.get(name__startswith="Service"))
    admin_client_a.post(
        f"/settings/sla/calendars/{calendar.pk}/holidays/load/", {"country": "CN", "year": 2026}
    )
    days = in_a(tenant_a, lambda: set(Holiday.objects.values_list("date", flat=True)))
    assert date(2026, 10, 1) in days and date(2026, 1, 1) in days
    page = admin_client_a.post(
        f"/settings/sla/calendars/{calendar.pk}/holidays/load/",
        {"country": "XX", "year": 2026},
        follow=True,
    )
    assert "Unknown country code" in page.content.decode()


def test_the_preview_says_when_a_new_ticket_would_be_due(admin_client_a):
    page = admin_client_a.get("/settings/sla/preview/", {"priority": "urgent"}).content.decode()
    assert "Urgent" in page and "First response due at" in page


def test_load_holidays_command(tenant_a):
    out = StringIO()
    call_command(
        "load_holidays",
        "--tenant",
        "acme",
        "--calendar",
        "24×7",
        "--country",
        "CN",
        "--year",
        "2026",
        stdout=out,
    )
    assert "Added" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown country"):
        call_command(
            "load_holidays",
            "--tenant",
            "acme",
            "--calendar",
            "24×7",
            "--country",
            "ZZ",
            "--year",
            "2026",
        )


def test_an_admin_sets_the_repeat_complaint_window_and_the_triggers_follow_it(
    admin_client_a, tenant_a
):
    response = admin_client_a.post("/settings/sla/rules/", {"repeat_complaint_days": 14})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        complaints = make_category(tenant_a, name="Complaint", is_complaint=True)
        customer = make_customer(tenant_a)
        now = timezone.now()
        make_ticket(
            tenant_a, customer=customer, category=complaints, created_at=now - timedelta(days=20)
        )
        late = make_ticket(
            tenant_a, customer=customer, category=complaints, created_at=now - timedelta(days=5)
        )
        again = make_ticket(tenant_a, customer=customer, category=complaints, created_at=now)
        # 15 days after the first: outside the 14-day window; 5 days after the second: inside.
        assert not late.escalations.filter(level="rule").exists()
        assert (
            again.escalations.get(level="rule").reason
            == "a repeat complaint within the repeat window"
        )
