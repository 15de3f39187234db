"""The stage timeline: when each stage of a repair was entered, when the next ones are
expected, and the waiting stages only once they happened; a visit's steps."""

from datetime import UTC, datetime, timedelta

import pytest
from django_scopes import scope

from fieldservice import services
from fieldservice.models import FieldServiceSettings, WorkOrderKind, default_stage_days
from fieldservice.models import WorkOrderStatus as S
from fieldservice.timeline import (
    CURRENT,
    DONE,
    NEXT,
    repair_stages,
    visit_steps,
    work_order_timelines,
)
from tests.factories import MembershipFactory, UserFactory
from tests.fieldservice.helpers import make_work_order, window

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DAYS = default_stage_days()


def at(days: float) -> datetime:
    return MONDAY + timedelta(days=days)


def shape(steps):
    return [(step.status, step.state) for step in steps]


def test_a_new_repair_shows_the_straight_path_with_expected_dates():
    steps = repair_stages(status=S.RECEIVED, history=[(S.RECEIVED, MONDAY)], stage_days=DAYS)
    assert shape(steps) == [
        (S.RECEIVED, CURRENT),
        (S.DIAGNOSED, NEXT),
        (S.REPAIRED, NEXT),
        (S.QUALITY_CHECK, NEXT),
        (S.SHIPPED_BACK, NEXT),
        (S.DELIVERED, NEXT),
    ]
    # received 1 day, diagnosed 1, repaired 1, quality check 1, shipped back 2.
    assert [step.expected_at for step in steps] == [at(1), at(1), at(2), at(3), at(4), at(6)]
    assert steps[0].entered_at == MONDAY
    assert all(step.entered_at is None for step in steps[1:])


def test_the_waiting_stage_shows_once_it_happened_and_counts_from_its_entry():
    history = [(S.RECEIVED, MONDAY), (S.DIAGNOSED, at(1)), (S.WAITING_FOR_PARTS, at(2))]
    steps = repair_stages(status=S.WAITING_FOR_PARTS, history=history, stage_days=DAYS)
    assert shape(steps)[:4] == [
        (S.RECEIVED, DONE),
        (S.DIAGNOSED, DONE),
        (S.WAITING_FOR_PARTS, CURRENT),
        (S.REPAIRED, NEXT),
    ]
    assert S.WAITING_FOR_APPROVAL not in [step.status for step in steps]
    assert [step.entered_at for step in steps[:3]] == [MONDAY, at(1), at(2)]
    # Waiting for parts takes 3 days: repaired is expected on day 5, delivered on day 9.
    assert steps[2].expected_at == at(5)
    assert steps[3].expected_at == at(5)
    assert steps[-1].expected_at == at(9)


def test_a_past_detour_stays_in_the_timeline_as_done():
    history = [
        (S.RECEIVED, MONDAY),
        (S.DIAGNOSED, at(1)),
        (S.WAITING_FOR_APPROVAL, at(1.5)),
        (S.REPAIRED, at(3)),
    ]
    steps = repair_stages(status=S.REPAIRED, history=history, stage_days=DAYS)
    assert shape(steps)[:4] == [
        (S.RECEIVED, DONE),
        (S.DIAGNOSED, DONE),
        (S.WAITING_FOR_APPROVAL, DONE),
        (S.REPAIRED, CURRENT),
    ]
    assert steps[2].entered_at == at(1.5)
    assert S.WAITING_FOR_PARTS not in [step.status for step in steps]


def test_the_tenants_stage_days_set_the_expected_dates():
    days = {**DAYS, "received": 2, "diagnosed": 5}
    steps = repair_stages(status=S.RECEIVED, history=[(S.RECEIVED, MONDAY)], stage_days=days)
    assert [step.expected_at for step in steps[:3]] == [at(2), at(2), at(7)]


def test_a_delivered_repair_has_nothing_left_to_expect():
    history = [(s, at(i)) for i, s in enumerate((S.RECEIVED, S.DIAGNOSED, S.REPAIRED))]
    history += [(S.QUALITY_CHECK, at(3)), (S.SHIPPED_BACK, at(4)), (S.DELIVERED, at(5))]
    steps = repair_stages(status=S.DELIVERED, history=history, stage_days=DAYS)
    assert steps[-1].state == CURRENT
    assert [step.expected_at for step in steps] == [None] * 6
    assert [step.entered_at for step in steps] == [at(i) for i in range(6)]


def test_a_repair_sent_back_to_diagnosis_forgets_its_later_stages():
    history = [
        (S.RECEIVED, MONDAY),
        (S.DIAGNOSED, at(1)),
        (S.REPAIRED, at(2)),
        (S.QUALITY_CHECK, at(3)),
        (S.DIAGNOSED, at(4)),
    ]
    steps = repair_stages(status=S.DIAGNOSED, history=history, stage_days=DAYS)
    assert steps[1].entered_at == at(4)
    assert steps[2].status == S.REPAIRED and steps[2].entered_at is None
    assert steps[2].expected_at == at(5)


def test_a_visit_expects_the_technician_at_the_window_start():
    start = at(1)
    history = [(S.UNSCHEDULED, MONDAY), (S.SCHEDULED, at(0.1))]
    steps = visit_steps(status=S.SCHEDULED, history=history, appointment_start=start)
    assert shape(steps) == [
        (S.SCHEDULED, CURRENT),
        (S.EN_ROUTE, NEXT),
        (S.ON_SITE, NEXT),
        (S.COMPLETED, NEXT),
    ]
    assert steps[0].entered_at == at(0.1)
    assert steps[2].expected_at == start


def test_a_visit_that_could_not_be_completed_says_so():
    history = [(S.SCHEDULED, MONDAY), (S.EN_ROUTE, at(1)), (S.ON_SITE, at(1.1))]
    history.append((S.COULD_NOT_COMPLETE, at(1.2)))
    steps = visit_steps(status=S.COULD_NOT_COMPLETE, history=history, appointment_start=None)
    assert shape(steps)[-1] == (S.COULD_NOT_COMPLETE, CURRENT)
    assert [step.entered_at for step in steps] == [MONDAY, at(1), at(1.1), at(1.2)]


# --- from the history in the database -----------------------------------------------------------


@pytest.mark.django_db
def test_it_reads_the_entered_times_from_the_history(tenant_a, admin_a):
    with scope(tenant=tenant_a):
        repair = make_work_order(tenant_a, admin_a, kind=WorkOrderKind.DEPOT_REPAIR)
        services.work_order_move(work_order=repair, actor=admin_a, status=S.DIAGNOSED)
        services.work_order_move(work_order=repair, actor=admin_a, status=S.WAITING_FOR_PARTS)
        FieldServiceSettings.objects.create(
            tenant=tenant_a, stage_days={**DAYS, "waiting_for_parts": 10}
        )
        steps = work_order_timelines([repair])[repair.pk]
        entered = {event.new_value: event.created_at for event in repair.events.all()}
    assert [step.status for step in steps][:3] == [S.RECEIVED, S.DIAGNOSED, S.WAITING_FOR_PARTS]
    assert steps[2].entered_at == entered[S.WAITING_FOR_PARTS]
    assert steps[2].expected_at == entered[S.WAITING_FOR_PARTS] + timedelta(days=10)


@pytest.mark.django_db
def test_it_reads_many_timelines_in_two_queries(tenant_a, admin_a, django_assert_num_queries):
    with scope(tenant=tenant_a):
        technician = MembershipFactory(tenant=tenant_a, user=UserFactory())
        work_orders = [make_work_order(tenant_a, admin_a, kind=WorkOrderKind.DEPOT_REPAIR)]
        visit = make_work_order(tenant_a, admin_a)
        start, end = window()
        services.work_order_schedule(
            work_order=visit, actor=admin_a, technician=technician, start=start, end=end
        )
        work_orders += [visit, make_work_order(tenant_a, admin_a, kind=WorkOrderKind.DEPOT_REPAIR)]
        with django_assert_num_queries(2):
            timelines = work_order_timelines(work_orders)
    assert timelines[visit.pk][0].state == CURRENT
    assert timelines[visit.pk][2].expected_at == start
