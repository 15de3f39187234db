"""Report pages and the KPI API: who sees what, outsiders get 404, CSV streams every row."""

import csv
import io
import shutil

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django_scopes import scope

from customers.models import Customer
from helpdesk.models import Role
from helpdesk.platform.csvfiles import spreadsheet_safe
from reports import exports
from reports.rollup import rollup_refresh
from tests.conftest import client_for
from tests.factories import MembershipFactory, TicketFactory, UserFactory
from tickets.models import Ticket

PERIOD_QUERY = "start=2025-03-03&end=2025-03-10"

PAGES = [
    ("reports:dashboard", {}),
    ("reports:live", {}),
    ("reports:assessment", {}),
    ("reports:assessment_settings", {}),
    ("reports:quality", {}),
    ("reports:quality_rubric", {}),
    ("reports:feedback", {}),
    ("reports:feedback_note", {}),
    ("reports:export", {"table": "tickets"}),
    ("reports:export", {"table": "agents"}),
    ("reports:export", {"table": "fieldservice"}),
    ("api_report_kpis", {}),
]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def test_it_returns_404_to_an_outsider_on_every_report_page(week, outsider_client):
    number = week.tickets["t1"].number
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in PAGES]
    urls.append(reverse("reports:quality_check", kwargs={"number": number}))
    for url in urls:
        for method in ("get", "post"):
            response = getattr(outsider_client, method)(url)
            assert response.status_code == 404, (method, url)


def test_it_shows_managers_every_team_and_agent(week, manager_a):
    response = client_for(manager_a).get(f"/reports/?{PERIOD_QUERY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Repair" in page and "Billing" in page
    assert str(week.agent_a.user) in page and str(week.agent_b.user) in page
    assert 'id="report-trend"' in page  # chart data via json_script
    assert "vendor/chart.umd.js" in page and "reports/dashboard.js" in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script code


def test_it_shows_an_agent_only_their_own_figures(week, agent_client_a):
    # Agent A asks for agent B's figures: the filter is forced back to A.
    response = agent_client_a.get(f"/reports/?{PERIOD_QUERY}&agent={week.agent_b.pk}")
    assert response.status_code == 200
    tiles = {t.name: t.value for t in response.context["tiles"]}
    assert tiles["tickets_created"] == 2  # T1, T2: agent A's
    assert [r.name for r in response.context["agent_rows"]] == [str(week.agent_a.user)]
    assert response.context["team_rows"] == []
    assert str(week.agent_b.user) not in response.content.decode()


def test_it_gives_the_api_the_same_visibility(week, manager_a, agent_client_a):
    url = f"/api/v1/reports/kpis/?{PERIOD_QUERY}"
    everyone = client_for(manager_a).get(url).json()
    assert everyone["kpis"]["tickets_created"]["value"] == 5
    own = agent_client_a.get(f"{url}&agent={week.agent_b.pk}").json()
    assert own["filters"]["agent"] == week.agent_a.pk
    assert own["kpis"]["tickets_created"]["value"] == 2


def test_it_answers_400_naming_the_bad_api_parameter(week, manager_a):
    response = client_for(manager_a).get("/api/v1/reports/kpis/?start=2025-03-10&end=2025-03-03")
    assert response.status_code == 400
    assert "end" in response.content.decode()


def test_it_limits_a_team_lead_to_the_teams_they_lead(week, tenant_a):
    lead = MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="lead@acme.test"), role=Role.TEAM_LEAD
    )
    with scope(tenant=tenant_a):
        week.billing.lead = lead
        week.billing.save(update_fields=["lead"])
    response = client_for(lead).get(f"/reports/?{PERIOD_QUERY}&team={week.repair.pk}")
    tiles = {t.name: t.value for t in response.context["tiles"]}
    assert tiles["tickets_created"] == 2  # Billing's T3, T4: Repair is not theirs
    assert [r.name for r in response.context["team_rows"]] == ["Billing"]


def test_it_streams_every_raw_ticket_of_the_period_as_csv(week, manager_a, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)  # several keyset pages for five rows
    response = client_for(manager_a).get(f"/reports/export/tickets.csv?{PERIOD_QUERY}")
    assert response.status_code == 200
    assert response.streaming
    rows = _csv(response)
    numbers = sorted(int(row[0]) for row in rows[1:])
    t = week.tickets
    assert numbers == sorted(t[k].number for k in ("t1", "t2", "t3", "t4", "t6"))


def test_it_streams_only_the_agents_own_tickets_to_an_agent(week, agent_client_a):
    rows = _csv(agent_client_a.get(f"/reports/export/tickets.csv?{PERIOD_QUERY}"))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(
        week.tickets[k].number for k in ("t1", "t2")
    )


def test_it_exports_every_report_table(week, manager_a):
    client = client_for(manager_a)
    for table in ("kpis", "categories", "complaints", "trend", "teams", "agents", "assessment"):
        response = client.get(f"/reports/export/{table}.csv?{PERIOD_QUERY}&month=2025-03")
        assert response.status_code == 200, table
        assert len(_csv(response)) >= 2, table
    assert client.get("/reports/export/nothing.csv").status_code == 404


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm not installed: no charts here")
def test_it_serves_chart_js_from_the_npm_package():
    # make install runs npm ci; the file is served, never copied into the repository.
    found = finders.find("vendor/chart.umd.js")
    assert found is not None and "node_modules" in found


def test_it_shows_the_printable_feedback_report_with_root_cause_notes(week, manager_a):
    client = client_for(manager_a)
    with scope(tenant=week.tenant):
        category = week.tickets["t2"].category_id
    response = client.post(
        "/reports/feedback/notes/",
        {"month": "2025-03", "category": category, "text": "Installer skipped the checklist."},
    )
    assert response.status_code == 302
    page = client.get("/reports/feedback/?month=2025-03").content.decode()
    assert "Installer skipped the checklist." in page
    assert "Complaint" in page  # top complaint categories
    assert "reports/reports.css" in page  # the print layout


def test_it_lets_only_managers_write_root_cause_notes(week, agent_client_a):
    response = agent_client_a.post("/reports/feedback/notes/", {"month": "2025-03", "text": "x"})
    assert response.status_code == 404


def test_it_renders_the_pages_in_chinese(week, manager_a):
    client = client_for(manager_a)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(f"/reports/?{PERIOD_QUERY}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_refreshes_the_rollups_through_the_celery_task(tenant_a, admin_a):
    from reports.tasks import refresh_rollups

    with scope(tenant=tenant_a):
        TicketFactory(tenant=tenant_a)
    assert refresh_rollups.delay(tenant_id=tenant_a.pk).get() == 1
    with scope(tenant=tenant_a):
        assert rollup_refresh(tenant=tenant_a).tickets == 1  # within the overlap window


@pytest.mark.parametrize("path", ["/reports/", "/reports/assessment/", "/reports/quality/"])
def test_it_shows_the_reports_link_to_members(admin_client_a, path):
    page = admin_client_a.get(path).content.decode()
    assert 'href="/reports/"' in page


def test_it_shows_the_live_board_by_team_and_sla_colour(week, manager_a, agent_client_a):
    from sla.models import TicketSla

    t = week.tickets
    with scope(tenant=week.tenant):
        TicketSla.objects.filter(ticket=t["t4"]).update(colour="red")
    board = client_for(manager_a).get("/reports/live/").context["live"]
    # Open now: T4 (Billing, red), T7 (Repair, no SLA row), T6 (no team, no SLA row).
    colours = [value for value, _label in board.colours]
    rows = {row["team"]: dict(zip(colours, row["counts"], strict=True)) for row in board.rows}
    assert rows["Billing"]["red"] == 1 and rows["Repair"]["none"] == 1
    assert rows["No team"]["none"] == 1
    assert (board.breaches_now, board.open_total) == (1, 3)
    assert [x.number for x in board.oldest] == [t["t4"].number, t["t6"].number, t["t4"].number + 3]
    own = agent_client_a.get("/reports/live/").context["live"]
    assert own.open_total == 1  # agent A: T7 only


def test_it_writes_formula_like_text_as_text_in_csv(week, manager_a):
    """CSV injection: a subject a spreadsheet program would run is exported as text."""
    t1 = week.tickets["t1"]
    with scope(tenant=week.tenant):
        Ticket.objects.filter(pk=t1.pk).update(subject='=HYPERLINK("http://evil.test","x")')
        Customer.objects.filter(pk=t1.customer_id).update(name="@SUM(1+1)")
    rows = _csv(client_for(manager_a).get(f"/reports/export/tickets.csv?{PERIOD_QUERY}"))
    [row] = [r for r in rows if r[0] == str(t1.number)]
    assert row[1] == '\'=HYPERLINK("http://evil.test","x")'
    assert row[8] == "'@SUM(1+1)"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.5", "-12.5"),
        ("+86", "+86"),
        ("1e-3", "1e-3"),
        ("Li Lei", "Li Lei"),
        (42, 42),
    ],
)
def test_it_neutralises_only_cells_a_spreadsheet_would_run(value, written):
    assert spreadsheet_safe(value) == written
