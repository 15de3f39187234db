"""The field-service promise: on site by (48 h) and repair turnaround (7 days), shortened by
policy and contract, on the tenant's calendar, and its ladder recorded exactly once."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from fieldservice import services, targets
from fieldservice.models import (
    FieldServiceSettings,
    WorkOrder,
    WorkOrderEscalation,
    WorkOrderEvent,
    WorkOrderKind,
)
from fieldservice.sweeper import sweep_batch
from helpdesk.models import Notification, Role
from sla import sweeper
from sla.models import Calendar, Holiday, SlaPolicy
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import installed_unit, make_work_order, window
from tests.repairs.quote_helpers import make_contract
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db

# Friday 4 December 2026, 14:00 in Shanghai.
FRIDAY_2PM = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


def shanghai(day: int, hour: int) -> datetime:
    """December 2026, local Shanghai time, as UTC."""
    return datetime(2026, 12, day, hour - 8, 0, tzinfo=UTC)


def business_calendar(tenant) -> Calendar:
    """Weekdays 08:00–20:00 in Shanghai, with Monday 7 December a holiday."""
    calendar = Calendar.objects.create(
        tenant=tenant,
        name="Field hours",
        time_zone="Asia/Shanghai",
        opening_hours={str(d): [["08:00", "20:00"]] for d in range(5)},
    )
    Holiday.objects.create(tenant=tenant, calendar=calendar, date=date(2026, 12, 7), name="Day off")
    return calendar


def started(work_order: WorkOrder, created_at: datetime) -> WorkOrder:
    """The work order as if created at ``created_at``, its promise worked out then."""
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=created_at)
    work_order.refresh_from_db()
    return targets.target_start(work_order=work_order, now=created_at)


def levels(work_order) -> list[str]:
    with scope(tenant=work_order.tenant_id):
        return list(
            WorkOrderEscalation.objects.filter(work_order=work_order)
            .order_by("due_at")
            .values_list("level", flat=True)
        )


# --- deadline arithmetic --------------------------------------------------------------------------


def test_48_hours_on_a_business_calendar_skip_nights_the_weekend_and_a_holiday(tenant_a):
    with scope(tenant=tenant_a):
        FieldServiceSettings.objects.create(tenant=tenant_a, calendar=business_calendar(tenant_a))
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        points = targets.checkpoints_of(visit, targets.schedule_of(visit), (75, 50))

    # Friday 14–20 (6 h), Monday is a holiday, Tuesday to Thursday 12 h each (42 h), then
    # 6 h of the next Friday: on site by Friday 11 December 14:00.
    assert visit.target_minutes == Decimal(48 * 60)
    assert visit.due_at == shanghai(11, 14)
    # Amber at 36 h: Thursday 14:00. The managers after a further 24 h: the holiday is a
    # Monday no longer, so Friday 14–20, Monday 14th 08–20, Tuesday 15th 08–14.
    assert [(p.level, p.at) for p in points] == [
        ("warning", shanghai(10, 14)),
        ("breach", shanghai(11, 14)),
        ("manager", shanghai(15, 14)),
    ]
    assert visit.colour == "green" and visit.next_check_at == shanghai(10, 14)


def test_without_a_calendar_the_promise_runs_round_the_clock(tenant_a):
    with scope(tenant=tenant_a):
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        repair = started(make_work_order(tenant_a, kind=WorkOrderKind.DEPOT_REPAIR), FRIDAY_2PM)

    assert visit.due_at == FRIDAY_2PM + timedelta(hours=48)
    assert repair.due_at == FRIDAY_2PM + timedelta(days=7)
    assert repair.target_minutes == Decimal(7 * 24 * 60)


def test_a_vip_policy_and_a_contract_shorten_the_promise_but_never_lengthen_it(tenant_a):
    with scope(tenant=tenant_a):
        calendar = Calendar.objects.create(tenant=tenant_a, name="24×7", is_24x7=True)
        vip = make_customer(tenant_a, tier_code="vip", is_vip=True)
        policy = SlaPolicy.objects.create(
            tenant=tenant_a,
            name="VIP",
            calendar=calendar,
            first_response_minutes=30,
            on_site_minutes=24 * 60,
            repair_turnaround_minutes=72 * 60,
        )
        policy.tiers.set([vip.tier])
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Slow",
            position=200,
            calendar=calendar,
            first_response_minutes=60,
            on_site_minutes=96 * 60,
        )
        vip_visit = make_work_order(tenant_a, ticket=make_ticket(tenant_a, customer=vip))
        vip_repair = make_work_order(
            tenant_a, ticket=make_ticket(tenant_a, customer=vip), kind=WorkOrderKind.DEPOT_REPAIR
        )
        slow = make_work_order(tenant_a)
        contracted = make_customer(tenant_a)
        unit = installed_unit(tenant_a, contracted)
        today = timezone.localdate()
        make_contract(
            tenant_a,
            unit,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=300),
            on_site_within_hours=8,
        )
        contract_visit = make_work_order(
            tenant_a, ticket=make_ticket(tenant_a, customer=contracted, unit=unit)
        )

    assert vip_visit.target_minutes == Decimal(24 * 60)
    assert vip_repair.target_minutes == Decimal(72 * 60)
    assert slow.target_minutes == Decimal(48 * 60)  # the policy's 96 h does not lengthen it
    assert contract_visit.target_minutes == Decimal(8 * 60)


def test_the_promise_stays_as_made_when_the_settings_change(tenant_a):
    with scope(tenant=tenant_a):
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        FieldServiceSettings.objects.create(tenant=tenant_a, on_site_minutes=12 * 60)
        targets.target_refresh(work_order=visit, now=FRIDAY_2PM + timedelta(hours=1))
        visit.refresh_from_db()

    assert visit.due_at == FRIDAY_2PM + timedelta(hours=48)


# --- the ladder -----------------------------------------------------------------------------------


@pytest.fixture
def technician(tenant_a):
    return MembershipFactory(tenant=tenant_a, user=UserFactory(email="tech@acme.test"))


@pytest.fixture
def boss(tenant_a):
    return MembershipFactory(
        tenant=tenant_a, user=UserFactory(email="boss@acme.test"), role=Role.MANAGER
    )


def test_each_rung_is_recorded_audited_and_notified_once(tenant_a, technician, boss):
    with scope(tenant=tenant_a):
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        WorkOrder.objects.filter(pk=visit.pk).update(technician=technician)
        visit.refresh_from_db()
        for hours in (37, 37.5, 49, 50, 73, 80):
            targets.target_refresh(work_order=visit, now=FRIDAY_2PM + timedelta(hours=hours))
        visit.refresh_from_db()
        notices = list(
            Notification.objects.order_by("pk").values_list("recipient__user__email", "text")
        )
        audited = list(
            WorkOrderEvent.objects.filter(work_order=visit, action__startswith="target_")
            .order_by("pk")
            .values_list("action", flat=True)
        )

    assert levels(visit) == ["warning", "breach", "manager"]
    assert audited == ["target_warning", "target_breach", "target_manager"]
    assert [email for email, _text in notices] == [
        "tech@acme.test",
        "tech@acme.test",
        "boss@acme.test",
    ]
    assert f"#{visit.ticket.number}" in notices[1][1]
    assert visit.breached_at == FRIDAY_2PM + timedelta(hours=48)
    assert visit.colour == "red" and visit.next_check_at is None


def test_checking_in_keeps_the_promise_and_stops_the_ladder(tenant_a, technician):
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a)
        start, end = window(day=timezone.now() + timedelta(hours=2))
        services.work_order_schedule(
            work_order=visit, actor=None, technician=technician, start=start, end=end
        )
        for status in ("en_route", "on_site"):
            services.work_order_move(work_order=visit, actor=None, status=status)
        visit.refresh_from_db()
        later = visit.created_at + timedelta(hours=60)
        targets.target_refresh(work_order=visit, now=later)
        visit.refresh_from_db()

    assert visit.due_met_at == visit.checked_in_at
    assert visit.colour == "met" and visit.next_check_at is None
    assert levels(visit) == []


def test_a_late_check_in_records_the_missed_rungs_even_if_no_sweep_saw_them(tenant_a):
    with scope(tenant=tenant_a):
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        WorkOrder.objects.filter(pk=visit.pk).update(checked_in_at=FRIDAY_2PM + timedelta(hours=50))
        visit.refresh_from_db()
        targets.target_refresh(work_order=visit, now=FRIDAY_2PM + timedelta(hours=90))
        visit.refresh_from_db()

    assert levels(visit) == ["warning", "breach"]  # the manager rung fell after the check-in
    assert visit.colour == "red" and visit.due_met_at == FRIDAY_2PM + timedelta(hours=50)


def test_shipping_a_repair_back_keeps_its_turnaround(tenant_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, kind=WorkOrderKind.DEPOT_REPAIR)
        for status in ("diagnosed", "repaired", "quality_check"):
            services.work_order_move(work_order=repair, actor=None, status=status)
        services.work_order_move(
            work_order=repair, actor=None, status="shipped_back", tracking="SF100"
        )
        repair.refresh_from_db()

    assert repair.due_met_at == repair.status_changed_at
    assert repair.colour == "met" and repair.next_check_at is None


def test_the_sla_sweep_claims_due_work_orders_and_redoes_nothing(tenant_a, technician, boss):
    with scope(tenant=tenant_a):
        visit = started(make_work_order(tenant_a), FRIDAY_2PM)
        not_due = make_work_order(tenant_a)
    later = FRIDAY_2PM + timedelta(hours=49)

    assert sweep_batch in sweeper.extra_sweeps  # wired by config.events
    handled = sweeper.sweep_due(now=later)
    again = sweeper.sweep_due(now=later)

    with scope(tenant=tenant_a):
        visit.refresh_from_db()
        assert levels(visit) == ["warning", "breach"]
        assert levels(not_due) == []
    assert handled >= 1 and again == 0
    assert visit.next_check_at == FRIDAY_2PM + timedelta(hours=72)


def test_another_tenants_settings_do_not_change_this_tenants_promise(tenant_a, tenant_b):
    with scope(tenant=tenant_b):
        FieldServiceSettings.objects.create(tenant=tenant_b, on_site_minutes=60)
    with scope(tenant=tenant_a):
        visit = make_work_order(tenant_a)

    assert visit.target_minutes == Decimal(48 * 60)
