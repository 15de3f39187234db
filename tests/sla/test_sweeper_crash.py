"""A sweeper killed (SIGKILL) in the middle of a batch loses nothing, and a rerun duplicates
nothing: each batch is one transaction, escalation rows are unique."""

import subprocess
import sys
import textwrap
import time

import pytest
from django.utils import timezone
from django_scopes import scope

from helpdesk.services import tenant_seed_defaults
from sla.models import Calendar, Escalation, SlaPolicy, TicketSla
from sla.sweeper import sweep_due
from tests.sla.live import ROOT, process_env
from tests.tickets.helpers import make_customer, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

TICKETS = 10
DYING_SWEEP = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from sla import sweeper
    original, calls = sweeper.sla_refresh, [0]

    def refresh_then_die(**kwargs):
        calls[0] += 1
        if calls[0] == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no rollback by Python
        return original(**kwargs)

    sweeper.sla_refresh = refresh_then_die
    sweeper.sweep_due(batch_size=int(sys.argv[1]))
    """
)


@pytest.fixture
def overdue_tickets(tenant_a):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared with a child process; CI runs it")
    with scope(tenant=tenant_a):
        tenant_seed_defaults(tenant_a)
        SlaPolicy.objects.all().delete()
        SlaPolicy.objects.create(
            tenant=tenant_a,
            name="Drill",
            first_response_minutes="0.05",
            calendar=Calendar.objects.get(name="24×7"),
        )
        customer = make_customer(tenant_a)
        for i in range(TICKETS):
            make_ticket(tenant_a, customer=customer, subject=f"late {i}")
    time.sleep(5)  # 3 s target, manager rung at 4.5 s: every checkpoint is now due


def run_dying_sweep(tmp_path, batch_size, die_at):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", DYING_SWEEP, str(batch_size), str(die_at)],
        cwd=ROOT,
        env=process_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -9, result.stderr[-2000:]


def recorded(tenant):
    with scope(tenant=tenant):
        return list(Escalation.objects.values_list("ticket_id", "target", "level"))


@pytest.mark.parametrize(
    ("batch_size", "die_at", "committed_before_death"), [(200, 5, 0), (3, 5, 3)]
)
def test_a_killed_sweep_loses_nothing_and_a_rerun_duplicates_nothing(
    tenant_a, overdue_tickets, tmp_path, batch_size, die_at, committed_before_death
):
    run_dying_sweep(tmp_path, batch_size, die_at)
    # Only whole batches committed before the kill survive; the interrupted one left nothing.
    assert len(recorded(tenant_a)) == committed_before_death * 3
    assert sweep_due(now=timezone.now()) == TICKETS - committed_before_death
    assert sweep_due(now=timezone.now()) == 0
    rows = recorded(tenant_a)
    assert len(rows) == len(set(rows)) == TICKETS * 3
    with scope(tenant=tenant_a):
        assert not TicketSla.objects.filter(next_check_at__isnull=False).exists()
