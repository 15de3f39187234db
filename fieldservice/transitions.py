"""The two lifecycles of a work order, as data: for each kind, where each status may go.

A status missing from a kind's table as a key is final for that kind (completed, delivered).
"""

from fieldservice.models import WorkOrderKind
from fieldservice.models import WorkOrderStatus as S

ON_SITE: dict[str, tuple[str, ...]] = {
    S.UNSCHEDULED: (S.SCHEDULED,),
    S.SCHEDULED: (S.EN_ROUTE, S.RESCHEDULED, S.UNSCHEDULED),
    S.EN_ROUTE: (S.ON_SITE, S.RESCHEDULED),
    S.ON_SITE: (S.COMPLETED, S.COULD_NOT_COMPLETE),
    S.COULD_NOT_COMPLETE: (S.RESCHEDULED,),
    S.RESCHEDULED: (S.SCHEDULED,),
    S.COMPLETED: (),
}

DEPOT_REPAIR: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.DIAGNOSED,),
    S.DIAGNOSED: (S.WAITING_FOR_PARTS, S.WAITING_FOR_APPROVAL, S.REPAIRED),
    S.WAITING_FOR_PARTS: (S.DIAGNOSED, S.REPAIRED),
    S.WAITING_FOR_APPROVAL: (S.DIAGNOSED, S.REPAIRED),
    S.REPAIRED: (S.QUALITY_CHECK,),
    S.QUALITY_CHECK: (S.SHIPPED_BACK, S.DIAGNOSED),
    S.SHIPPED_BACK: (S.DELIVERED,),
    S.DELIVERED: (),
}

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    WorkOrderKind.ON_SITE: ON_SITE,
    WorkOrderKind.DEPOT_REPAIR: DEPOT_REPAIR,
}
INITIAL_STATUS = {
    WorkOrderKind.ON_SITE: S.UNSCHEDULED,
    WorkOrderKind.DEPOT_REPAIR: S.RECEIVED,
}
# A visit in one of these holds its technician's appointment window; a finished one
# (completed, could not complete) or one waiting for a new window does not.
HOLDS_TECHNICIAN = (S.SCHEDULED, S.EN_ROUTE, S.ON_SITE)


def can_move(kind: str, old: str, new: str) -> bool:
    return new in TRANSITIONS[kind].get(old, ())
