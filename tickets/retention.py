"""The personal-data retention sweep (PIPL / GDPR storage limitation): the SLA sweeper's pattern.

For every tenant with a retention period (``Tenant.personal_data_retention_days``), closed
tickets closed longer ago than the period are claimed through the partial index
``ticket_retention_due`` with ``SELECT … FOR UPDATE SKIP LOCKED``, one batch per transaction,
and erased (``tickets.erasure.tickets_personal_data_erase``). Erasing stamps
``personal_data_erased_at``, which takes the ticket out of the index: a rerun, a second sweeper
or a redo after a worker died never erases a ticket twice. In the same transaction, a customer
left with no un-erased ticket is anonymised (``customers.services.customer_anonymise_if_done``,
under the customer's row lock). On SQLite there are no row locks; the single worker's IMMEDIATE
transactions serialise the batches, and the stamps still make a rerun harmless.

The tenants are read first (the tenant table is not tenant-owned) and each is swept inside its
own scope, so no cross-tenant query is needed.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope

from customers.services import ErasureCause, customer_anonymise_if_done
from helpdesk.models import Tenant

from .erasure import tickets_personal_data_erase
from .models import Status, Ticket

BATCH_SIZE = 200


def retention_sweep(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int = 100
) -> dict[str, int]:
    """Erase what is past every tenant's retention period; returns how many tickets were
    erased and customers anonymised."""
    now = now or timezone.now()
    handled = {"tickets": 0, "customers": 0}
    tenants = Tenant.objects.filter(is_active=True, personal_data_retention_days__gt=0)
    for tenant in tenants.order_by("pk"):
        with scope(tenant=tenant):
            tickets, customers = _sweep_tenant(tenant, now, batch_size, max_batches)
        handled["tickets"] += tickets
        handled["customers"] += customers
    return handled


def _sweep_tenant(
    tenant: Tenant, now: datetime, batch_size: int, max_batches: int
) -> tuple[int, int]:
    cutoff = now - tenant.personal_data_retention
    tickets = customers = 0
    for _ in range(max_batches):
        erased, anonymised = _erase_batch(cutoff, now, batch_size)
        tickets += erased
        customers += anonymised
        if erased < batch_size:
            break
    return tickets, customers


def claim_query(cutoff: datetime) -> QuerySet:
    """Closed tickets past the cut-off that still hold personal data, oldest first, locked;
    rows another sweeper holds are skipped. Precondition: in a transaction, scope active."""
    due = Ticket.objects.filter(
        status=Status.CLOSED, personal_data_erased_at__isnull=True, closed_at__lte=cutoff
    ).order_by("closed_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    return due


@transaction.atomic
def _erase_batch(cutoff: datetime, now: datetime, batch_size: int) -> tuple[int, int]:
    tickets = list(claim_query(cutoff).select_related("tenant")[:batch_size])
    tickets_personal_data_erase(tickets=tickets, cause=ErasureCause.RETENTION, now=now)
    # In customer order, so two sweepers waiting for each other's customers cannot deadlock.
    customer_ids = sorted({ticket.customer_id for ticket in tickets})
    anonymised = sum(customer_anonymise_if_done(customer_id=pk, now=now) for pk in customer_ids)
    return len(tickets), anonymised
