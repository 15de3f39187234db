"""Where a work order stands, step by step, for the agent's page and the customer's portal.

A depot repair's stages come in a fixed order (received → diagnosed → waiting for parts /
waiting for approval → repaired → quality check → shipped back → delivered). Each stage shows
when it was entered (from the work order's history) and, from the current one on, when it is
expected: the current stage is expected to be over ``stage_days[current]`` days after it was
entered, and each following stage takes its own number of days after that. The two waiting
stages are detours: they are shown only once they happened.

A visit's steps are scheduled, en route, on site and the outcome (completed or could not
complete); the on-site step is expected at the start of the appointment window.

``repair_stages`` and ``visit_steps`` are pure; ``work_order_timelines`` reads what they need
(one query for the history of any number of work orders, one for the settings).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldservice.models import (
    FieldServiceSettings,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderKind,
    default_stage_days,
)
from fieldservice.models import WorkOrderStatus as S

REPAIR_STAGES = (
    S.RECEIVED,
    S.DIAGNOSED,
    S.WAITING_FOR_PARTS,
    S.WAITING_FOR_APPROVAL,
    S.REPAIRED,
    S.QUALITY_CHECK,
    S.SHIPPED_BACK,
    S.DELIVERED,
)
# Shown only when the repair went through them (or is in one now).
DETOURS = (S.WAITING_FOR_PARTS, S.WAITING_FOR_APPROVAL)
VISIT_STEPS = (S.SCHEDULED, S.EN_ROUTE, S.ON_SITE, S.COMPLETED)
# The history rows that enter a status, and the field their new status is in.
ENTERING_ACTIONS = ("created", "status_changed", "scheduled")

DONE, CURRENT, NEXT = "done", "current", "next"


@dataclass(frozen=True)
class Step:
    """One stage of a repair or step of a visit. ``expected_at``: for the current step when it
    should be over, for a later one when it should begin; None for a step already done."""

    status: str
    state: str
    entered_at: datetime | None = None
    expected_at: datetime | None = None

    @property
    def label(self) -> str:
        return str(S(self.status).label)


# --- pure functions -------------------------------------------------------------------------------


def last_entries(history: Iterable[tuple[str, datetime]]) -> dict[str, datetime]:
    """When each status was last entered, from ``(status, at)`` in the order they happened."""
    entered: dict[str, datetime] = {}
    for status, at in history:
        entered[status] = at
    return entered


def repair_stages(
    *, status: str, history: Sequence[tuple[str, datetime]], stage_days: dict
) -> list[Step]:
    """The stages of a depot repair now in ``status``, with entered and expected times."""
    entered = last_entries(history)
    shown = [s for s in REPAIR_STAGES if s not in DETOURS or s in entered or s == status]
    current_index = shown.index(status) if status in shown else len(shown) - 1
    steps = [Step(s, DONE, entered.get(s)) for s in shown[:current_index]]
    started = entered.get(status)
    for stage in shown[current_index:]:
        expected = None if started is None else started + _days(stage_days, stage)
        if stage == status:
            steps.append(Step(stage, CURRENT, started, None if stage == S.DELIVERED else expected))
        else:
            steps.append(Step(stage, NEXT, None, started))
        started = expected
    return steps


def _days(stage_days: dict, stage: str) -> timedelta:
    """The days a stage takes, from the tenant's settings (falling back to the defaults for a
    stage the settings do not name, or name with something other than a whole number)."""
    days = stage_days.get(stage, default_stage_days().get(stage, 0))
    try:
        return timedelta(days=max(int(days), 0))
    except (TypeError, ValueError):
        return timedelta(days=default_stage_days().get(stage, 0))


def visit_steps(
    *, status: str, history: Sequence[tuple[str, datetime]], appointment_start: datetime | None
) -> list[Step]:
    """The steps of a visit: scheduled, en route, on site, and its outcome."""
    entered = last_entries(history)
    outcome = S.COULD_NOT_COMPLETE if status == S.COULD_NOT_COMPLETE else S.COMPLETED
    order = (*VISIT_STEPS[:-1], outcome)
    if status not in order:  # unscheduled or rescheduled: waiting for a window
        return [Step(s, NEXT) for s in order]
    position = order.index(status)
    steps = []
    for index, step in enumerate(order):
        state = DONE if index < position else CURRENT if index == position else NEXT
        expected = appointment_start if step == S.ON_SITE and index >= position else None
        steps.append(Step(step, state, entered.get(step) if index <= position else None, expected))
    return steps


# --- selector -------------------------------------------------------------------------------------


def stage_days_for(tenant_id: int) -> dict:
    """The tenant's days per repair stage (the defaults when it has no settings row).
    Precondition: the tenant scope is active."""
    row = FieldServiceSettings.objects.filter(tenant_id=tenant_id).first()
    return row.stage_days if row is not None and row.stage_days else default_stage_days()


def work_order_timelines(work_orders: Sequence[WorkOrder]) -> dict[int, list[Step]]:
    """Each work order's steps, by pk, in two queries whatever their number. Precondition:
    the tenant scope is active."""
    if not work_orders:
        return {}
    histories: dict[int, list[tuple[str, datetime]]] = {wo.pk: [] for wo in work_orders}
    rows = WorkOrderEvent.objects.filter(
        work_order__in=[wo.pk for wo in work_orders], action__in=ENTERING_ACTIONS
    ).order_by("created_at", "pk")
    for work_order_id, status, at in rows.values_list("work_order_id", "new_value", "created_at"):
        histories[work_order_id].append((status, at))
    stage_days = None
    timelines = {}
    for wo in work_orders:
        if wo.kind == WorkOrderKind.DEPOT_REPAIR:
            stage_days = stage_days or stage_days_for(wo.tenant_id)
            timelines[wo.pk] = repair_stages(
                status=wo.status, history=histories[wo.pk], stage_days=stage_days
            )
        else:
            timelines[wo.pk] = visit_steps(
                status=wo.status,
                history=histories[wo.pk],
                appointment_start=wo.appointment_start,
            )
    return timelines
