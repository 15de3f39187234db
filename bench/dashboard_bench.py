"""``python -m bench --only dashboard``: the manager dashboard and the CSV export on a tenant
with 1,000,000 tickets (and 99 small tenants with 500,000 between them).

Its own database — ``DASHBOARD_BENCH_DATABASE_URL``, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports — loaded by ``bench.load_data`` with
``big_tickets=1_000_000`` (the queue benchmark's ``bench-big`` holds 500,000).

1. **rollup**: ``reports.rollup.rollup_refresh`` for ``bench-big`` (the first run computes every
   ticket's figures, later runs only what changed), timed.
2. **dashboard**: ``GET /reports/?start=…&end=…`` for the last 90 days through the real app
   (Django's test client: middleware, view, template), as the manager and as an agent,
   sequentially; p50/p95 against the 500 ms target. The live board (which the page loads on
   its own through htmx) and the KPI API the same way.
3. **csv**: ``GET /reports/export/tickets.csv`` for the last 365 days, consuming the stream
   while tracemalloc records the peak of Python allocations; peak RSS before and after.
"""

import math
import os
import resource
import time
import tracemalloc
from datetime import timedelta
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports"
BIG_TICKETS = 1_000_000
OTHER_TICKETS = 500_000
TARGET_MS = 500.0


def main(args) -> int:
    """Set Django up on the dashboard database, load it once, then measure."""
    from bench.__main__ import _ensure_database

    os.environ["DATABASE_URL"] = os.environ.get(
        "DASHBOARD_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HELPDESK_BASE_DOMAIN", "localhost")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from bench import load_data

    call_command("migrate", interactive=False, verbosity=0)
    print("Loading the dashboard data set (skipped when already loaded) …", flush=True)
    result = load_data.load(big_tickets=BIG_TICKETS, other_tickets=OTHER_TICKETS)
    state = "Loaded" if result.loaded else "Already loaded:"
    print(f"{state} {result.tickets:,} tickets ({BIG_TICKETS:,} in bench-big)", flush=True)
    if args.load_only:
        return 0
    return run(requests=args.dashboard_requests)


def percentile(timings: list[float], fraction: float) -> float:
    ordered = sorted(timings)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run(*, requests: int) -> int:
    from django.test import Client
    from django.utils import timezone
    from django_scopes import scope

    from bench.load_data import BENCH_AGENT_EMAIL, BENCH_MANAGER_EMAIL, BIG_SLUG
    from bench.sessions import sign_in
    from helpdesk.models import Membership, Tenant

    tenant = Tenant.objects.get(slug=BIG_SLUG)
    lines = [f"load average before: {os.getloadavg()[0]:.1f}"]
    lines.append(_rollup(tenant))
    with scope(tenant=tenant):
        members = {
            role: Membership.objects.select_related("user").get(user__email=email)
            for role, email in (("manager", BENCH_MANAGER_EMAIL), ("agent", BENCH_AGENT_EMAIL))
        }
    today = timezone.now().astimezone(ZoneInfo(tenant.time_zone)).date()
    end = today + timedelta(days=1)
    ninety = f"start={end - timedelta(days=90)}&end={end}"
    failed = False
    for role, member in members.items():
        client = Client(HTTP_HOST=f"{BIG_SLUG}.localhost")
        sign_in(client, member.user, tenant=tenant)
        for label, url in (
            ("dashboard 90 d", f"/reports/?{ninety}"),
            ("live board", "/reports/live/"),
            ("KPI API 90 d", f"/api/v1/reports/kpis/?{ninety}"),
        ):
            timings = _measure(client, url, requests)
            p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
            failed |= label.startswith("dashboard") and p95 >= TARGET_MS
            lines.append(
                f"{label:<15} {role:<7} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"max {max(timings):7.1f} ms  (n={len(timings)}, target p95 < {TARGET_MS:.0f} ms)"
            )
            print(lines[-1], flush=True)
    manager = Client(HTTP_HOST=f"{BIG_SLUG}.localhost")
    sign_in(manager, members["manager"].user, tenant=tenant)
    year = f"start={end - timedelta(days=365)}&end={end}"
    lines.append(_csv(manager, f"/reports/export/tickets.csv?{year}"))
    lines.append(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n" + "\n".join(lines))
    return 1 if failed else 0


def _rollup(tenant) -> str:
    from django_scopes import scope

    from reports.models import DailyRollup, TicketFigures
    from reports.rollup import rollup_refresh

    with scope(tenant=tenant):
        started = time.perf_counter()
        result = rollup_refresh(tenant=tenant)
        seconds = time.perf_counter() - started
        figures, rollups = TicketFigures.objects.count(), DailyRollup.objects.count()
    if result.tickets > 100_000:
        _vacuum_analyze()
    line = (
        f"rollup: {result.tickets:,} tickets recomputed, {result.days} days rebuilt in "
        f"{seconds:.1f} s; {figures:,} figure rows, {rollups:,} rollup rows"
    )
    print(line, flush=True)
    return line


def _vacuum_analyze() -> None:
    """What autovacuum does soon after a first full rollup; the plans need the statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("reports_ticketfigures", "reports_dailyrollup"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _measure(client, url: str, requests: int) -> list[float]:
    response = client.get(url)  # warm-up: connection, templates, caches
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def _csv(client, url: str) -> str:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    rows = size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = (
        f"csv 365 d: {rows - 1:,} tickets, {size / 1e6:.0f} MB in {seconds:.1f} s; "
        f"tracemalloc peak {peak / 1e6:.1f} MB; max RSS {rss_before / 1024:.0f} MB before, "
        f"{rss_after / 1024:.0f} MB after"
    )
    print(line, flush=True)
    return line
