"""Every move of both lifecycles: the table's moves succeed and are audited, every other
(from, to) pair of the kind's statuses is refused and changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from fieldservice import services
from fieldservice.models import WorkOrder, WorkOrderEvent, WorkOrderKind
from fieldservice.models import WorkOrderStatus as S
from fieldservice.transitions import TRANSITIONS
from tests.fieldservice.helpers import make_work_order, window

pytestmark = pytest.mark.django_db


def pairs(kind):
    statuses = list(TRANSITIONS[kind])
    for old in statuses:
        for new in statuses:
            yield pytest.param(kind, old, new, id=f"{kind}:{old}->{new}")


ALL_PAIRS = [*pairs(WorkOrderKind.ON_SITE), *pairs(WorkOrderKind.DEPOT_REPAIR)]
# What a move needs besides the status.
EXTRA = {
    S.COULD_NOT_COMPLETE: {"reason": "Customer not at home"},
    S.SHIPPED_BACK: {"tracking": "SF100"},
}


def _in_status(tenant, actor, kind, status) -> WorkOrder:
    work_order = make_work_order(tenant, actor, kind=kind)
    WorkOrder.objects.filter(pk=work_order.pk).update(status=status)
    work_order.refresh_from_db()
    return work_order


def _go(work_order, actor, technician, new):
    """The one way into ``scheduled`` is scheduling; every other status is a move."""
    if new == S.SCHEDULED:
        start, end = window()
        return services.work_order_schedule(
            work_order=work_order, actor=actor, technician=technician, start=start, end=end
        )
    return services.work_order_move(
        work_order=work_order, actor=actor, status=new, **EXTRA.get(new, {})
    )


@pytest.mark.parametrize(("kind", "old", "new"), ALL_PAIRS)
def test_it_allows_exactly_the_moves_of_the_kinds_table(tenant_a, admin_a, kind, old, new):
    allowed = new in TRANSITIONS[kind][old] or (
        new == old == S.SCHEDULED  # scheduling again: another window or technician
    )
    with scope(tenant=tenant_a):
        work_order = _in_status(tenant_a, admin_a, kind, old)
        events_before = WorkOrderEvent.objects.filter(work_order=work_order).count()
        if allowed:
            _go(work_order, admin_a, admin_a, new)
            row = WorkOrderEvent.objects.filter(work_order=work_order).last()
            assert WorkOrder.objects.get(pk=work_order.pk).status == new
            assert (row.field, row.old_value, row.new_value) == ("status", old, new)
        else:
            with pytest.raises(ValidationError) as refused:
                _go(work_order, admin_a, admin_a, new)
            assert "status" in refused.value.message_dict
            assert WorkOrder.objects.get(pk=work_order.pk).status == old
            assert WorkOrderEvent.objects.filter(work_order=work_order).count() == events_before
