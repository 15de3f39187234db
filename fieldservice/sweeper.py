"""The sweep of work orders' promises, run by the SLA sweep task after the tickets' rows
(``sla.sweeper.extra_sweeps``, filled in ``config.events``).

The same claim as the tickets': due rows through the partial index on ``next_check_at``,
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, one batch per transaction; each row is then
refreshed in its own tenant's scope. A rung is a unique row, so a redo after a crash records
nothing twice.
"""

from datetime import datetime

from django.db import connection, transaction
from django_scopes import scope

from fieldservice.models import WorkOrder
from fieldservice.targets import SweepBatch, target_refresh
from helpdesk.tenancy import across_tenants

# What the refresh and its notices read, loaded after the claim.
RELATIONS = ("tenant", "target_calendar", "technician__user", "ticket__assignee__user")
TEAM_LEAD = ("ticket__team__lead__user",)


@transaction.atomic
def sweep_batch(now: datetime, batch_size: int) -> int:
    # Cross-tenant on purpose: the sweep serves every tenant; each row is then handled only
    # inside its own tenant's scope.
    with across_tenants():
        due = WorkOrder.objects.filter(next_check_at__lte=now).order_by("next_check_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due.values_list("pk", flat=True)[:batch_size])
        if not claimed:
            return 0
        loaded = WorkOrder.objects.select_related(*RELATIONS, *TEAM_LEAD).in_bulk(claimed)
        rows = [loaded[pk] for pk in claimed]
        batch = SweepBatch.load(rows)
    for row in rows:
        with scope(tenant=row.tenant):
            target_refresh(work_order=row, now=now, batch=batch)
    with across_tenants():
        batch.flush()
    return len(rows)
