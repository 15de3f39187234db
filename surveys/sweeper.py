"""The periodic sweep of follow-ups and survey reminders: the SLA sweeper's pattern.

Due rows are selected through partial indexes across tenants with ``SELECT … FOR UPDATE SKIP
LOCKED`` (PostgreSQL), one batch per transaction, and each is handled in its own tenant's
scope. Each effect is claimed by a conditional UPDATE whose row count is checked
(``escalated_at IS NULL``, ``reminder_sent_at IS NULL``), so two sweepers at once, or a rerun
after a worker died, neither lose nor repeat an escalation or a reminder. Notifications and
e-mails leave after the commit. On SQLite there are no row locks; the single worker's
IMMEDIATE transactions serialise the batches, and the claims still make a rerun harmless.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope

from helpdesk.tenancy import across_tenants

from .models import FollowUp, FollowUpStatus, SurveyInvitation
from .services import follow_up_escalate, invitation_remind

BATCH_SIZE = 200


def sweep_due(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int = 100
) -> dict[str, int]:
    """Escalate overdue follow-ups and send due reminders; returns how many rows were handled."""
    now = now or timezone.now()
    return {
        "follow_ups": _drain(_escalate_batch, now, batch_size, max_batches),
        "reminders": _drain(_remind_batch, now, batch_size, max_batches),
    }


def _drain(batch, now: datetime, batch_size: int, max_batches: int) -> int:
    handled = 0
    for _ in range(max_batches):
        count = batch(now, batch_size)
        handled += count
        if count < batch_size:
            break
    return handled


def _locked(rows: QuerySet) -> QuerySet:
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


@transaction.atomic
def _escalate_batch(now: datetime, batch_size: int) -> int:
    # Cross-tenant on purpose: the sweep serves every tenant; each row is then handled only
    # inside its own tenant's scope.
    with across_tenants():
        due = FollowUp.objects.filter(
            status=FollowUpStatus.PENDING, escalated_at__isnull=True, due_at__lte=now
        ).order_by("due_at")
        rows = list(_locked(due).select_related("tenant")[:batch_size])
    for row in rows:
        with scope(tenant=row.tenant):
            follow_up_escalate(follow_up=row, now=now)
    return len(rows)


@transaction.atomic
def _remind_batch(now: datetime, batch_size: int) -> int:
    with across_tenants():
        due = SurveyInvitation.objects.filter(
            reminder_sent_at__isnull=True, remind_at__isnull=False, remind_at__lte=now
        ).order_by("remind_at")
        rows = list(_locked(due).select_related("tenant", "customer")[:batch_size])
    for row in rows:
        with scope(tenant=row.tenant):
            invitation_remind(invitation=row, now=now)
    return len(rows)
