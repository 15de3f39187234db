"""Backlog catch-up: a CSV of contacts logged by hand during an outage becomes tickets with
their original times (SLA measured from them); one bad row and nothing is imported."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from helpdesk.services import tenant_seed_defaults
from tests.incidents.helpers import open_incident
from tests.tickets.helpers import make_category
from tickets.incidents.models import IncidentTicket
from tickets.models import Ticket

ZONE = ZoneInfo("Asia/Shanghai")


def _csv(rows: list[str], encoding="utf-8") -> SimpleUploadedFile:
    text = "time,name,email,phone,channel,summary,category,priority\n" + "\n".join(rows)
    return SimpleUploadedFile("backlog.csv", text.encode(encoding), content_type="text/csv")


def _local(moment) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def two_hours_ago():
    return (timezone.now() - timedelta(hours=2)).replace(second=0, microsecond=0)


def test_it_imports_nothing_and_reports_each_bad_row(tenant_a, agent_client_a, two_hours_ago):
    make_category(tenant_a, name="Repair")
    future = timezone.now() + timedelta(days=1)
    upload = _csv(
        [
            f"{_local(two_hours_ago)},Li Lei,li@example.test,,phone,Washer leaks,Repair,normal",
            "yesterday,Han,,138,phone,No power,,",
            f"{_local(future)},Wang,,139,phone,Noise,,",
            f"{_local(two_hours_ago)},,,,phone,Nobody,Plumbing,extreme",
        ]
    )
    response = agent_client_a.post(reverse("backlog_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "“yesterday” is not a time" in page
    assert "The time is in the future." in page
    assert "Unknown category “Plumbing”." in page and "Unknown priority “extreme”." in page
    assert "A customer name, e-mail address or phone number is required." in page
    assert Ticket.objects.count() == 0 and Customer.objects.count() == 0


def test_it_keeps_the_original_times_and_measures_the_sla_from_them(
    tenant_a, agent_a, agent_client_a, two_hours_ago
):
    tenant_seed_defaults(tenant_a)  # Urgent: first response within 30 min, round the clock
    make_category(tenant_a, name="Repair")
    later = two_hours_ago + timedelta(minutes=15)
    upload = _csv(
        [
            f"{_local(later)},Han Meimei,,13800138000,phone,Fridge warm,Repair,urgent",
            f"{_local(two_hours_ago)},Li Lei,li@example.test,,email,"
            '"Washer leaks\nsince Monday",,urgent',
            f"{_local(later)},Li Lei,li@example.test,,phone,Washer still leaks,,",
        ]
    )
    response = agent_client_a.post(reverse("backlog_import"), {"file": upload})
    assert response.status_code == 302
    tickets = list(Ticket.objects.select_related("sla", "customer").order_by("number"))
    assert [t.created_at for t in tickets] == [two_hours_ago, later, later]
    first = tickets[0]
    assert first.subject == "Washer leaks" and first.channel == "email"
    assert first.sla.first_response_due_at == two_hours_ago + timedelta(minutes=30)
    assert first.sla.first_response_breached_at is not None  # honest: it was missed
    assert tickets[1].call_started_at == later and tickets[1].category.name == "Repair"
    assert Customer.objects.filter(email="li@example.test").count() == 1
    assert all(t.tags.filter(name="backlog").exists() for t in tickets)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (["{now},Li Lei,,,phone,Washer leaks"], "fewer values than the header has columns."),
        (["{now},Li Lei,,,phone,Washer leaks,,,surplus"], "more values than the header"),
        (["{now},Li\x00Lei,,138,phone,Washer leaks,,"], "The file contains NUL characters"),
        (['{now},Li Lei,,138,phone,"' + "x" * 200_000 + '",,'], "Row 3 could not be read"),
    ],
)
def test_it_explains_a_malformed_file_and_imports_nothing(
    tenant_a, agent_client_a, two_hours_ago, rows, problem
):
    good = f"{_local(two_hours_ago)},Han,,139,phone,Fridge warm,,"
    upload = _csv([good, *(row.format(now=_local(two_hours_ago)) for row in rows)])
    response = agent_client_a.post(reverse("backlog_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and problem in page
    assert Ticket.objects.count() == 0 and Customer.objects.count() == 0


def test_it_reads_gb18030_and_links_the_tickets_to_an_incident(
    tenant_a, admin_a, agent_client_a, two_hours_ago
):
    incident = open_incident(tenant_a, admin_a)
    upload = _csv([f"{_local(two_hours_ago)},张伟,,13900139000,电话热线,无法支付,,"], "gb18030")
    upload_wrong_channel = agent_client_a.post(reverse("backlog_import"), {"file": upload})
    assert "Unknown channel “电话热线”." in upload_wrong_channel.content.decode()
    upload = _csv([f"{_local(two_hours_ago)},张伟,,13900139000,phone,无法支付,,"], "gb18030")
    response = agent_client_a.post(
        reverse("backlog_import"), {"file": upload, "incident": incident.pk}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.subject == "无法支付" and ticket.customer.name == "张伟"
    assert IncidentTicket.objects.filter(incident=incident, ticket=ticket).exists()
