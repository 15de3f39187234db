"""The periodic sweep: claim due SLA rows across tenants and refresh each in its tenant scope.

Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) through the partial
index on ``next_check_at``, one batch per transaction: a second sweeper skips rows the first
holds, and a worker that dies mid-batch rolls the whole batch back so the next sweep redoes
it. Escalation rows are unique, so a redo records nothing twice. On SQLite there are no row
locks; IMMEDIATE transactions serialise the (single) worker's batches instead.
"""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import TicketSla
from .services import active_policies, sla_refresh

BATCH_SIZE = 200
# What sla_refresh and the notifications read from the ticket, loaded with the claim.
TICKET_RELATIONS = (
    "ticket__tenant",
    "ticket__customer__tier",
    "ticket__category",
    "ticket__team__lead__user",
    "ticket__assignee__user",
)


def sweep_due(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int = 100
) -> int:
    """Refresh every SLA row whose next check is due; returns how many rows were handled."""
    handled = 0
    for _ in range(max_batches):
        count = _sweep_batch(now or timezone.now(), batch_size)
        handled += count
        if count < batch_size:
            break
    return handled


@transaction.atomic
def _sweep_batch(now: datetime, batch_size: int) -> int:
    # Cross-tenant on purpose: the sweep serves every tenant; each row is then handled only
    # inside its own tenant's scope.
    with scopes_disabled():
        due = TicketSla.objects.filter(next_check_at__lte=now).order_by("next_check_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.select_related(*TICKET_RELATIONS)[:batch_size])
    policies_by_tenant: dict[int, list] = {}
    for row in rows:
        ticket = row.ticket
        with scope(tenant=ticket.tenant):
            if ticket.tenant_id not in policies_by_tenant:
                policies_by_tenant[ticket.tenant_id] = active_policies()
            sla_refresh(ticket=ticket, now=now, policies=policies_by_tenant[ticket.tenant_id])
    return len(rows)
