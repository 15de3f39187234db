"""Field-service KPIs on a hand-built week (Mon 2026-03-02 to Mon 03-09, tenant A's time zone,
Asia/Shanghai), every figure worked out by hand; "now" is Fri 03-20 12:00.

Technicians: Li without a calendar (8 h × 5 weekdays = 40 h); Zhao on an office calendar,
Mon–Fri 09:00–17:00 with Wed 03-04 a holiday (4 × 8 h = 32 h).

Visits (created, promise due, reached on site, technician, end):
* V1 03-02 10:00, due 03-04 10:00, checked in 03-03 14:00 (met), Li 14–16 on 03-03, completed
  03-03 16:00, the ticket's only visit; pump × 2.
* V2 03-02 11:00, due 03-04 11:00, checked in 03-05 09:00 (late), Zhao 09–12 on 03-05,
  completed 03-05 11:00; hose × 1. V3 is a return visit on the same ticket.
* V3 03-06 10:00, due 03-08 10:00, never reached (missed, and open past due now), Zhao on
  03-09 09–11 (after the period: no booked time).
* V4 03-07 10:00, due 03-25 (after now), unscheduled: undecided.
* V5 03-03 10:00, due 03-05 09:00, met at 03-04 09:00 by the target (check-in 09:30), Li
  09–11 on 03-04, completed 03-04 11:00; pump × 1. V0 (02-20, could not complete; pump × 5
  not counted) was an earlier visit on its ticket: not a first-time fix.
* V6 03-05, no promise, Li 10–12 on 03-06, completed 03-06 12:00, only visit.
* V7 02-25, no promise, Li scheduled Sun 03-01 23:00 – Mon 03-02 01:00: 1 h inside the period.
* V8 02-26, could not complete, Zhao 10–12 on 03-03: not booked time.

Promise: decided V1 ✓, V2 ✗, V3 ✗, V5 ✓ → 2/4 = 50 %; Li 2/2, Zhao 0/2. Open past due: V3.
First-time fix: completed V1 ✓, V2 ✗ (V3), V5 ✗ (V0), V6 ✓ → 50 %; Li 2/3, Zhao 0/1.
Parts: 2 + 1 + 1 = 4 over 4 completed visits → 1.00; pump 3, hose 1.
Utilisation: Li 2 + 2 + 2 + 1 = 7 h / 40 h = 17.50 %; Zhao 3 h / 32 h = 9.38 %; all
10 h / 72 h = 13.89 %.

Depot repairs shipped back in the period: R1 03-01 10:00 → event 03-04 10:00 (3 d); R2 03-02
10:00 → met 03-07 10:00 (5 d; its later event is ignored); R4 03-05 10:00 → 22:00 (0.5 d); R3
shipped 03-12 is outside. Mean 8.5 d / 3 = 244,800 s, median 3 d = 259,200 s.
Open repairs now: received 2 h and 2 d, waiting for parts 5 d and 10 d, quality check 1 d.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from fieldservice.models import (
    TechnicianProfile,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderKind,
    WorkOrderPart,
)
from fieldservice.models import WorkOrderStatus as S
from helpdesk.models import Role
from repairs.models import MovementKind
from reports.fieldservice import (
    age_bucket,
    field_service,
    mean_and_median,
    promise_outcome,
    weekday_seconds,
)
from reports.kpis import KpiSource, Period
from sla.models import Calendar, Holiday
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import make_work_order
from tests.repairs.quote_helpers import make_part, move

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 9), ZONE)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=ZONE)
QUERY = "?start=2026-03-02&end=2026-03-09"
DEPOT = WorkOrderKind.DEPOT_REPAIR


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZONE)


@dataclass
class Week:
    tenant: object
    li: object
    zhao: object

    def source(self, period: Period = PERIOD) -> KpiSource:
        return KpiSource(tenant=self.tenant, period=period, now=NOW)


def _set(work_order, **values) -> WorkOrder:
    """Facts of the past (times, statuses) written straight onto the row: the data set."""
    WorkOrder.objects.filter(pk=work_order.pk).update(**values)
    work_order.refresh_from_db()
    return work_order


def _fitted(tenant, work_order, part, quantity) -> None:
    movement = move(tenant, work_order.ticket, part, MovementKind.CONSUMED, quantity)
    WorkOrderPart.objects.create(
        tenant=tenant, work_order=work_order, part=part, quantity=quantity, movement=movement
    )


def _shipped_event(tenant, repair, when) -> None:
    WorkOrderEvent.objects.create(
        tenant=tenant,
        work_order=repair,
        action="status_changed",
        field="status",
        old_value=S.QUALITY_CHECK,
        new_value=S.SHIPPED_BACK,
        created_at=when,
    )


def _technician(tenant, name, calendar=None):
    user = UserFactory(full_name=name, email=f"{name.lower()}@acme.test")
    member = MembershipFactory(tenant=tenant, user=user)
    TechnicianProfile.objects.create(tenant=tenant, membership=member, calendar=calendar)
    return member


def _office(tenant) -> Calendar:
    office = Calendar.objects.create(
        tenant=tenant,
        name="Field office",
        time_zone="Asia/Shanghai",
        opening_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    Holiday.objects.create(tenant=tenant, calendar=office, date=date(2026, 3, 4))
    return office


def _visits(tenant, li, zhao) -> None:
    def visit(created, ticket=None, **values):
        return _set(make_work_order(tenant, ticket=ticket), created_at=created, **values)

    def done(tech, start, hours, **values):
        window = {"appointment_start": start, "appointment_end": start + timedelta(hours=hours)}
        return {"technician": tech, "status": S.COMPLETED, **window, **values}

    pump = make_part(tenant, "P-PUMP")
    hose = make_part(tenant, "P-HOSE", name_zh="进水管")
    v1 = visit(at(2), due_at=at(4), checked_in_at=at(3, 14),
               **done(li, at(3, 14), 2, checked_out_at=at(3, 16)))  # fmt: skip
    v2 = visit(at(2, 11), due_at=at(4, 11), checked_in_at=at(5, 9),
               **done(zhao, at(5, 9), 3, checked_out_at=at(5, 11)))  # fmt: skip
    visit(
        at(6), ticket=v2.ticket, due_at=at(8), **done(zhao, at(9, 9), 2, status=S.SCHEDULED)
    )  # fmt: skip  V3
    visit(at(7), due_at=at(25))  # V4
    v0 = visit(at(20, month=2), status=S.COULD_NOT_COMPLETE, checked_out_at=at(20, 12, month=2))
    v5 = visit(at(3), ticket=v0.ticket, due_at=at(5, 9), due_met_at=at(4, 9),
               checked_in_at=at(4, 9) + timedelta(minutes=30),
               **done(li, at(4, 9), 2, checked_out_at=at(4, 11)))  # fmt: skip
    visit(at(5), **done(li, at(6), 2, checked_out_at=at(6, 12)))  # V6
    visit(at(25, month=2), **done(li, at(1, 23), 2, status=S.SCHEDULED))  # V7
    visit(at(26, month=2), **done(zhao, at(3), 2, status=S.COULD_NOT_COMPLETE))  # V8
    _fitted(tenant, v1, pump, 2)
    _fitted(tenant, v2, hose, 1)
    _fitted(tenant, v5, pump, 1)
    _fitted(tenant, v0, pump, 5)


def _repairs(tenant) -> None:
    def repair(created, status, **values):
        return _set(
            make_work_order(tenant, kind=DEPOT), created_at=created, status=status, **values
        )

    r1 = repair(at(1), S.DELIVERED)
    _shipped_event(tenant, r1, at(4))
    r2 = repair(at(2), S.SHIPPED_BACK, due_met_at=at(7))
    _shipped_event(tenant, r2, at(8))
    r3 = repair(at(20, month=2), S.SHIPPED_BACK)
    _shipped_event(tenant, r3, at(12))
    r4 = repair(at(5), S.DELIVERED)
    _shipped_event(tenant, r4, at(5, 22))
    for status, age in (
        (S.RECEIVED, timedelta(hours=2)),
        (S.RECEIVED, timedelta(days=2)),
        (S.WAITING_FOR_PARTS, timedelta(days=5)),
        (S.WAITING_FOR_PARTS, timedelta(days=10)),
        (S.QUALITY_CHECK, timedelta(days=1)),
    ):
        repair(at(1), status, status_changed_at=NOW - age)


@pytest.fixture
def week(tenant_a, tenant_b) -> Week:
    with scope(tenant=tenant_b):
        # Another desk's visit, met and in the period: never counted in tenant A.
        _set(make_work_order(tenant_b), created_at=at(3), due_at=at(5), checked_in_at=at(4))
    with scope(tenant=tenant_a):
        li = _technician(tenant_a, "Li")
        zhao = _technician(tenant_a, "Zhao", calendar=_office(tenant_a))
        _visits(tenant_a, li, zhao)
        _repairs(tenant_a)
    return Week(tenant_a, li, zhao)


def _report(week: Week, period: Period = PERIOD):
    with scope(tenant=week.tenant):
        return field_service(week.source(period))


# --- the figures ---------------------------------------------------------------------------------


def test_every_field_service_figure_matches_the_hand_count(week, django_assert_num_queries):
    with scope(tenant=week.tenant), django_assert_num_queries(10):
        report = field_service(week.source())
    assert report.figures == {
        "on_site_within_target": Decimal("50.00"),
        "visits_decided": 4,
        "visits_open_past_due": 1,
        "first_time_fix_rate": Decimal("50.00"),
        "visits_completed": 4,
        "repairs_shipped_back": 3,
        "repair_turnaround_mean": 244_800,
        "repair_turnaround_median": 259_200,
        "technician_utilisation": Decimal("13.89"),
        "parts_per_visit": Decimal("1.00"),
    }
    assert [(p["part_number"], p["quantity"]) for p in report.top_parts] == [
        ("P-PUMP", 3),
        ("P-HOSE", 1),
    ]


def test_it_gives_each_technician_their_own_row(week):
    rows = {row.name: row for row in _report(week).technicians}
    li, zhao = rows["Li"], rows["Zhao"]
    assert (li.booked_seconds, li.working_seconds, li.utilisation) == (
        7 * 3600,
        40 * 3600,
        Decimal("17.50"),
    )
    assert (zhao.booked_seconds, zhao.working_seconds, zhao.utilisation) == (
        3 * 3600,
        32 * 3600,
        Decimal("9.38"),
    )
    assert (li.visits_completed, li.first_time_fix_rate, li.on_site_within_target) == (
        3,
        Decimal("66.67"),
        Decimal("100.00"),
    )
    assert (zhao.visits_completed, zhao.first_time_fix_rate, zhao.on_site_within_target) == (
        1,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (li.parts_per_visit, zhao.parts_per_visit) == (Decimal("1.00"), Decimal("1.00"))


def test_it_ages_open_repairs_by_stage_in_lifecycle_order(week):
    aging = {stage.status: stage.buckets for stage in _report(week).aging}
    assert list(aging) == [
        S.RECEIVED,
        S.DIAGNOSED,
        S.WAITING_FOR_PARTS,
        S.WAITING_FOR_APPROVAL,
        S.REPAIRED,
        S.QUALITY_CHECK,
    ]
    assert aging[S.RECEIVED] == [1, 1, 0, 0]
    assert aging[S.WAITING_FOR_PARTS] == [0, 0, 1, 1]
    assert aging[S.QUALITY_CHECK] == [0, 1, 0, 0]  # exactly one day: the 1–3 days bucket
    assert aging[S.DIAGNOSED] == [0, 0, 0, 0]


def test_an_empty_period_has_no_rates_rather_than_zero(week):
    report = _report(week, Period(date(2025, 1, 6), date(2025, 1, 13), ZONE))
    figures = report.figures
    for name in (
        "on_site_within_target",
        "first_time_fix_rate",
        "repair_turnaround_mean",
        "repair_turnaround_median",
        "parts_per_visit",
    ):
        assert figures[name] is None, name
    assert (figures["visits_decided"], figures["visits_completed"]) == (0, 0)
    # Working time but nothing booked: a real 0 %.
    assert figures["technician_utilisation"] == Decimal("0.00")


def test_a_visit_not_yet_due_and_not_reached_is_undecided():
    due = at(5)
    assert promise_outcome(due, None, at(4)) is None
    assert promise_outcome(due, None, at(5)) is False
    assert promise_outcome(due, at(5), at(6)) is True  # on the minute counts as kept
    assert promise_outcome(due, at(5) + timedelta(seconds=1), at(4)) is False


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(hours=23, minutes=59), 0),
        (timedelta(days=1), 1),
        (timedelta(days=2, hours=23), 1),
        (timedelta(days=3), 2),
        (timedelta(days=6, hours=23), 2),
        (timedelta(days=7), 3),
        (timedelta(days=40), 3),
        (timedelta(minutes=-5), 0),
    ],
)
def test_it_buckets_ages_at_whole_days(age, bucket):
    assert age_bucket(age) == bucket


def test_it_counts_eight_hours_per_weekday_without_a_calendar():
    # Sat 03-07 to Sat 03-14: Monday to Friday once.
    assert weekday_seconds(Period(date(2026, 3, 7), date(2026, 3, 14), ZONE)) == 40 * 3600
    assert mean_and_median([]) == (None, None)
    assert mean_and_median([1.0, 2.0, 6.0]) == (3, 2)


# --- pages and CSV -------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_dashboard_shows_the_field_service_section(week, admin_a):
    page = client_for(admin_a).get("/reports/" + QUERY)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="field-service"' in html and "First-time fix rate" in html
    assert "P-PUMP" in html and "Zhao" in html and "17.5 %" in html
    assert "/reports/export/fieldservice.csv" in html


def test_the_dashboard_shows_the_section_in_chinese(week, admin_a):
    client = client_for(admin_a)
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/reports/" + QUERY, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "现场服务" in html and "一次修复率" in html and "技术人员利用率" in html
    assert "排水泵" in html  # the part's Chinese name


def test_the_csv_has_the_figures_and_a_row_per_technician(week, admin_a):
    response = client_for(admin_a).get("/reports/export/fieldservice.csv" + QUERY)
    assert response.status_code == 200
    assert "fieldservice-20260302-20260309.csv" in response["Content-Disposition"]
    rows = _csv(response)
    assert ["First-time fix rate", "50.00", "percent"] in rows
    assert ["Repair turnaround, median", "259200", "seconds"] in rows
    assert ["Li", "7.00", "40.00", "17.50", "3", "66.67", "100.00", "1.00"] in rows
    assert ["Zhao", "3.00", "32.00", "9.38", "1", "0.00", "0.00", "1.00"] in rows
    assert ["Waiting for parts", "2", "0", "0", "0", "2"] in rows  # months old by now
    assert ["P-PUMP", "Part P-PUMP", "3"] in rows


def test_an_agent_gets_neither_the_section_nor_the_csv(week, agent_client_a):
    page = agent_client_a.get("/reports/" + QUERY)
    assert page.status_code == 200
    assert 'id="field-service"' not in page.content.decode()
    assert agent_client_a.get("/reports/export/fieldservice.csv" + QUERY).status_code == 404


def test_a_team_lead_is_refused_the_csv(week, tenant_a):
    lead = MembershipFactory(tenant=tenant_a, role=Role.TEAM_LEAD)
    response = client_for(lead).get("/reports/export/fieldservice.csv" + QUERY)
    assert response.status_code == 404


def test_an_outsider_gets_404_on_the_csv(week, outsider_client):
    assert outsider_client.get("/reports/export/fieldservice.csv" + QUERY).status_code == 404
