"""The periodic sweep: claim due SLA rows across tenants and refresh each in its tenant scope.

Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) through the partial
index on ``next_check_at``, one batch per transaction: a second sweeper skips rows the first
holds, and a worker that dies mid-batch rolls the whole batch back so the next sweep redoes
it. Escalation rows are unique, so a redo records nothing twice. On SQLite there are no row
locks; IMMEDIATE transactions serialise the (single) worker's batches instead.
"""

from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope

from helpdesk.tenancy import across_tenants
from tickets.models import Ticket

from .models import TicketSla
from .services import SweepBatch, sla_refresh

BATCH_SIZE = 200
# Other clocks swept by the same task, each a function ``(now, batch_size) -> rows handled``
# that claims one batch of its own rows as ``_sweep_batch`` does: the promise of a field
# visit or depot repair (``fieldservice.sweeper``). Filled by ``config.events``.
extra_sweeps: list[Callable[[datetime, int], int]] = []
# What sla_refresh and the notifications read from the ticket, loaded after the claim.
TICKET_RELATIONS = (
    "tenant",
    "customer__tier",
    "category",
    "team__lead__user",
    "assignee__user",
)


def sweep_due(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int = 100,
    on_backlog: Callable[[], object] | None = None,
) -> int:
    """Refresh every SLA row whose next check is due, then every row of the other clocks
    (``extra_sweeps``); returns how many rows were handled.

        ``on_backlog`` is called once, after the first batch has committed, if that batch was
        full: more is due than one batch, and the Celery task uses it to call in another sweeper.
    """
    handled = 0
    called = False
    for sweep_batch in (_sweep_batch, *extra_sweeps):
        for number in range(max_batches):
            count = sweep_batch(now or timezone.now(), batch_size)
            handled += count
            if count < batch_size:
                break
            if number == 0 and on_backlog is not None and not called:
                called = True
                on_backlog()
    return handled


def claim_query(now: datetime):
    """Due rows, oldest first, locked; rows another sweeper holds are skipped. Precondition:
    in a transaction, scopes disabled."""
    due = TicketSla.objects.filter(next_check_at__lte=now).order_by("next_check_at")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    return due


@transaction.atomic
def _sweep_batch(now: datetime, batch_size: int) -> int:
    # Cross-tenant on purpose: the sweep serves every tenant; each row is then handled only
    # inside its own tenant's scope.
    with across_tenants():
        rows = list(claim_query(now)[:batch_size])
        if not rows:
            return 0
        # The tickets in a second query: joined to the claim, the eleven-table join cost
        # more to plan (~10 ms) than the idle claim itself takes to run.
        tickets = Ticket.objects.select_related(*TICKET_RELATIONS).in_bulk(
            [row.ticket_id for row in rows]
        )
        for row in rows:
            row.ticket = tickets[row.ticket_id]
        # Policies, pauses, recorded checkpoints and managers: a few queries for the batch.
        batch = SweepBatch.load(rows)
    for row in rows:
        ticket = row.ticket
        with scope(tenant=ticket.tenant):
            sla_refresh(ticket=ticket, now=now, sla=row, batch=batch)
    with across_tenants():
        batch.flush()  # the batch's events and notifications, in its transaction
    return len(rows)
