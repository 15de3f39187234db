"""SLA sweep benchmark: the idle sweep, then 10,000 escalations coming due in one minute.

1. ``arm()`` puts the 10,000 due tickets' first-response warnings into one minute starting
   ``lead_seconds`` from now (see ``bench.sla_load``).
2. **Idle sweep** (nothing due yet): ``EXPLAIN (ANALYZE, BUFFERS)`` of the sweeper's claim
   query (``SELECT … FOR UPDATE SKIP LOCKED … LIMIT 200`` through ``sla_due_check``), its wall
   time over ``repetitions`` runs, each in its own transaction as in ``_sweep_batch``, and
   the wall time of whole ``sweep_due()`` calls.
3. **Due burst**: real Celery worker processes and beat (``HELPDESK_SLA_SWEEP_SECONDS``) on
   Redis and this database, e-mail to the locmem backend. The Escalation table is polled until
   every due ticket has its warning; each row's lag is ``created_at - due_at``.

Preconditions: Django is set up against the loaded SLA bench database; Redis is reachable at
``CELERY_BROKER_URL``.
"""

import math
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench import sla_load
from bench.stack import celery_start, celery_stop
from helpdesk.tenancy import across_tenants
from sla.sweeper import BATCH_SIZE, claim_query, sweep_due

TARGET_IDLE_MS = 10.0
TARGET_LAG_SECONDS = 30.0
OUT_DIR = Path(settings.BASE_DIR) / "var" / "bench"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run(
    *,
    lead_seconds: float = 90.0,
    workers: int = 2,
    concurrency: int = 2,
    sweep_seconds: float = 15.0,
    repetitions: int = 200,
    timeout_seconds: float = 300.0,
) -> int:
    load_before = os.getloadavg()
    print(f"Arming: 10,000 warnings due in one minute starting in {lead_seconds:.0f} s …")
    armed = sla_load.arm(lead_seconds=lead_seconds)
    print(
        f"  {armed.due:,} due from {armed.window_start:%H:%M:%S.%f} to"
        f" {armed.window_end:%H:%M:%S.%f} UTC (warning at creation + {armed.warning_offset})"
    )
    idle = _idle(repetitions)
    print(idle["text"], flush=True)
    if timezone.now() >= armed.window_start:
        print("The idle measurement ran into the due minute; raise --sla-lead.", file=sys.stderr)
        return 2
    burst = _burst(armed, workers, concurrency, sweep_seconds, timeout_seconds)
    load = f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    report = _report(armed, idle, burst, load, workers, concurrency, sweep_seconds)
    print(report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "sla-results.md").write_text(report)
    print(f"(also written to {OUT_DIR / 'sla-results.md'})")
    ok = (
        idle["claim_p95"] < TARGET_IDLE_MS
        and burst["recorded"] == armed.due
        and burst["duplicates"] == 0
        and burst["lag_max"] <= TARGET_LAG_SECONDS
    )
    return 0 if ok else 1


# --- idle ----------------------------------------------------------------------------------------


def _claim_sql(now: datetime) -> tuple[str, tuple]:
    """The sweeper's claim query, as ``_sweep_batch`` builds it."""
    with across_tenants():
        query = claim_query(now)[:BATCH_SIZE].query
    return query.get_compiler(connection=connection).as_sql()


def _idle(repetitions: int) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = _claim_sql(timezone.now())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    timings = []
    for _ in range(repetitions):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = _claim_sql(timezone.now())  # as in _sweep_batch: built, then run
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
        assert not rows, "something is due during the idle measurement"
    sweeps = []
    for _ in range(max(1, repetitions // 10)):
        started = time.perf_counter()
        handled = sweep_due()
        sweeps.append((time.perf_counter() - started) * 1000)
        assert handled == 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "sla-idle-plan.txt").write_text(plan + "\n")
    execution = next(
        (float(line.split(":")[1].split()[0]) for line in plan.splitlines() if "Execution" in line),
        float("nan"),
    )
    result = {
        "plan": plan,
        "execution_ms": execution,
        "claim_p50": percentile(timings, 0.50),
        "claim_p95": percentile(timings, 0.95),
        "claim_max": max(timings),
        "sweep_p50": percentile(sweeps, 0.50),
        "sweep_max": max(sweeps),
        "sweeps": len(sweeps),
        "repetitions": repetitions,
    }
    result["text"] = (
        f"Idle claim query: EXPLAIN ANALYZE execution {execution:.3f} ms; wall over"
        f" {repetitions} runs p50 {result['claim_p50']:.2f} / p95 {result['claim_p95']:.2f} /"
        f" max {result['claim_max']:.2f} ms. Idle sweep_due() over {len(sweeps)} calls:"
        f" p50 {result['sweep_p50']:.2f} / max {result['sweep_max']:.2f} ms.\n"
        f"  plan: {OUT_DIR / 'sla-idle-plan.txt'}"
    )
    return result


# --- burst ---------------------------------------------------------------------------------------


def _burst(armed, workers: int, concurrency: int, sweep_seconds: float, timeout: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="sla-bench-"))
    env = {
        **os.environ,
        "HELPDESK_VAR_DIR": str(tmp),
        "HELPDESK_SLA_SWEEP_SECONDS": str(sweep_seconds),
        # Keep the other periodic work out of the measurement.
        "HELPDESK_SURVEY_SWEEP_SECONDS": "3600",
        "HELPDESK_MAIL_FETCH_SECONDS": "3600",
        # 10,000 e-mails: into the worker's memory, not the console or the disk.
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    processes = celery_start(
        env=env, log_dir=tmp, name="slabench", workers=workers, concurrency=concurrency
    )
    print(f"Started {workers} worker(s) × concurrency {concurrency} and beat; logs in {tmp}")
    progress = []
    emails = {"notifications": 0, "emailed": 0, "emails_done_after": float("nan")}
    try:
        deadline = armed.window_end.timestamp() + timeout
        last_print = 0.0
        while time.time() < deadline:
            count = _recorded_count()
            now = time.time()
            progress.append((now, count))
            if now - last_print >= 5:
                since = now - armed.window_start.timestamp()
                print(f"  t{since:+6.1f} s from the first due time: {count:,} recorded", flush=True)
                last_print = now
            if count >= armed.due:
                break
            time.sleep(0.5)
        recorded_at = time.time()
        # Not part of the target: how long the e-mails (one task each) take to catch up.
        emails = _notification_counts()
        while emails["emailed"] < emails["notifications"] and time.time() < recorded_at + 180:
            time.sleep(2)
            emails = _notification_counts()
        emails["emails_done_after"] = time.time() - armed.window_end.timestamp()
        print(f"  e-mailed {emails['emailed']:,} of {emails['notifications']:,}", flush=True)
        if any(p.poll() is not None for p in processes):
            print(f"A Celery process exited early; see {tmp}", file=sys.stderr)
    finally:
        celery_stop(processes, env)
    return {**_lags(), **emails, "log_dir": tmp}


_DUE_ESCALATIONS = """
    FROM sla_escalation e
    JOIN tickets_ticket t ON t.id = e.ticket_id
    JOIN helpdesk_tenant h ON h.id = t.tenant_id
    WHERE h.slug LIKE %s AND t.number %% 100 = 0
      AND e.target = 'first_response' AND e.level = 'warning' AND e.cycle = 0
"""
COUNT_SQL = "SELECT count(*)" + _DUE_ESCALATIONS
LAG_SQL = """
    SELECT count(*), count(DISTINCT e.ticket_id), min(e.created_at), max(e.created_at),
           array_agg(extract(epoch FROM e.created_at - e.due_at)::float8),
           count(*) FILTER (WHERE e.created_at < e.due_at)
    FROM sla_escalation e
    JOIN tickets_ticket t ON t.id = e.ticket_id
    JOIN helpdesk_tenant h ON h.id = t.tenant_id
    WHERE h.slug LIKE %s AND t.number %% 100 = 0
      AND e.target = 'first_response' AND e.level = 'warning' AND e.cycle = 0
"""


def _recorded_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, [sla_load.SLUG_PREFIX + "%"])
        return cursor.fetchone()[0]


def _lags() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL, [sla_load.SLUG_PREFIX + "%"])
        total, distinct, first, last, lags, early = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM sla_escalation")
        all_rows = cursor.fetchone()[0]
    lags = lags or [float("nan")]
    return {
        "recorded": distinct,
        "rows": total,
        "duplicates": total - distinct,
        "other_rows": all_rows - total,
        "early": early,
        "first_created": first,
        "last_created": last,
        "lag_p50": percentile(lags, 0.50),
        "lag_p95": percentile(lags, 0.95),
        "lag_max": max(lags),
        "lag_min": min(lags),
    }


def _notification_counts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(emailed_at) FROM helpdesk_notification")
        notifications, emailed = cursor.fetchone()
    return {"notifications": notifications, "emailed": emailed}


# --- report --------------------------------------------------------------------------------------


def _report(armed, idle, burst, load, workers, concurrency, sweep_seconds) -> str:
    start, end = armed.window_start, armed.window_end
    all_done = burst["last_created"]
    lines = [
        f"# SLA sweep benchmark — {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{load}; {os.cpu_count()} CPUs. {sla_load.TOTAL_TICKETS:,} open tickets,"
        f" {sla_load.TENANTS} tenants; {armed.due:,} due between {start:%H:%M:%S} and"
        f" {end:%H:%M:%S} UTC. {workers} worker(s) × concurrency {concurrency}, beat every"
        f" {sweep_seconds:g} s.",
        "",
        "| measure | value | target |",
        "|---|---:|---:|",
        f"| idle claim query, EXPLAIN ANALYZE execution | {idle['execution_ms']:.3f} ms | |",
        f"| idle claim query wall p50 / p95 / max ({idle['repetitions']} runs) |"
        f" {idle['claim_p50']:.2f} / {idle['claim_p95']:.2f} / {idle['claim_max']:.2f} ms |"
        f" < {TARGET_IDLE_MS:g} ms |",
        f"| idle `sweep_due()` p50 / max ({idle['sweeps']} calls) |"
        f" {idle['sweep_p50']:.2f} / {idle['sweep_max']:.2f} ms | |",
        f"| due tickets with their warning recorded | {burst['recorded']:,} of {armed.due:,} |"
        f" all |",
        f"| recorded twice | {burst['duplicates']} | 0 |",
        f"| recorded before due | {burst['early']} | 0 |",
        f"| lag created_at - due_at p50 / p95 / max |"
        f" {burst['lag_p50']:.1f} / {burst['lag_p95']:.1f} / {burst['lag_max']:.1f} s |"
        f" ≤ {TARGET_LAG_SECONDS:g} s |",
    ]
    if all_done is not None:
        lines.append(
            f"| all recorded, after the first / last due time |"
            f" {(all_done - start).total_seconds():.1f} / {(all_done - end).total_seconds():.1f} s"
            " | |"
        )
    lines += [
        f"| other escalation rows (should be 0) | {burst['other_rows']} | 0 |",
        f"| notifications written / e-mailed (waited up to 180 s more) |"
        f" {burst['notifications']:,} / {burst['emailed']:,} | |",
        f"| last e-mail checked, after the last due time | {burst['emails_done_after']:.0f} s | |",
        "",
    ]
    return "\n".join(lines)
