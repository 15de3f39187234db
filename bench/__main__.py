"""``python -m bench [--only queue|sla|api|dashboard|kb|load|units|triggers] [--load-only] …``.

Runs the queue benchmark, the SLA sweep benchmark, the API benchmark (``bench.api_bench``,
on the queue benchmark's database), the dashboard and knowledge-base benchmarks, the mixed
load test (``bench.load_test``, on its own database) and the installed-base benchmark
(``bench.units_bench``: unit lookups at 1,000,000 units, the ticket page about a unit) and the
triggers benchmark (``bench.triggers_bench``: ticket creation and a priority change with 0 and
with 100 active triggers, alternating), each in its own process; ``--only`` runs one of them.

The queue benchmark uses ``DATABASE_URL`` when set, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench. The SLA benchmark uses its own database,
``SLA_BENCH_DATABASE_URL`` when set, else postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla,
and Redis at ``CELERY_BROKER_URL`` when that is a redis:// URL, else redis://127.0.0.1:6379/11.
The load test uses ``LOAD_BENCH_DATABASE_URL`` when set, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_load, and Redis db 10. The installed-base
benchmark uses ``UNITS_BENCH_DATABASE_URL`` when set, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_units; the triggers benchmark
``TRIGGERS_BENCH_DATABASE_URL`` when set, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_triggers.
Each database is created when it is missing.
"""

import argparse
import os
import subprocess
import sys
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
DEFAULT_SLA_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_sla"
DEFAULT_SLA_BROKER_URL = "redis://127.0.0.1:6379/11"
DEFAULT_UNITS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_units"
DEFAULT_TRIGGERS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_triggers"
PARTS = ("queue", "sla", "api", "dashboard", "kb", "load", "units", "triggers")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    if args.only is None:
        # Both, one process each: each benchmark sets Django up on its own database.
        codes = [
            subprocess.call([sys.executable, "-m", "bench", *argv, "--only", part])  # noqa: S603
            for part in PARTS
        ]
        return max(codes)
    if args.only == "kb":  # its own database: 100,000 articles across tenants
        from bench import kb_search

        return kb_search.main([])
    if args.only == "sla":
        return _sla(args)
    if args.only == "units":
        return _units(args)
    if args.only == "triggers":
        return _triggers(args)
    if args.only == "load":  # its own database, gunicorn + Celery, 50 clients for 60 s
        from bench import load_test

        return load_test.main(args)
    if args.only == "dashboard":  # its own database: 1,000,000 tickets in one tenant
        from bench import dashboard_bench

        return dashboard_bench.main(args)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HELPDESK_BASE_DOMAIN", "localhost")
    # DEBUG keeps every query in memory and renders slower: measure what production runs.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from bench import load_data, queue_bench

    call_command("migrate", interactive=False, verbosity=0)
    print("Loading the data set (skipped when already loaded) …", flush=True)
    result = load_data.load()
    if result.loaded:
        print(f"Loaded {result.tickets:,} tickets in {result.seconds:.0f} s", flush=True)
    else:
        print(f"Already loaded: {result.tickets:,} tickets", flush=True)
    if args.load_only:
        return 0
    if args.only == "api":  # bench.api_bench: same database, through gunicorn
        from bench import api_bench

        return api_bench.run(requests=args.api_requests, concurrency=args.concurrency)
    return queue_bench.run(
        requests=args.requests,
        concurrency=args.concurrency,
        http=not args.no_http,
        explain=not args.no_explain,
        web_workers=args.web_workers,
    )


def _sla(args: argparse.Namespace) -> int:
    os.environ["DATABASE_URL"] = os.environ.get("SLA_BENCH_DATABASE_URL", DEFAULT_SLA_DATABASE_URL)
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        os.environ["CELERY_BROKER_URL"] = DEFAULT_SLA_BROKER_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from bench import sla_load

    call_command("migrate", interactive=False, verbosity=0)
    print("Loading the SLA data set (skipped when already loaded) …", flush=True)
    result = sla_load.load()
    if result.loaded:
        print(f"Loaded {result.tickets:,} open tickets in {result.seconds:.0f} s", flush=True)
    else:
        print(f"Already loaded: {result.tickets:,} open tickets", flush=True)
    if args.load_only:
        return 0
    from bench import sla_bench

    return sla_bench.run(
        lead_seconds=args.sla_lead,
        workers=args.sla_workers,
        concurrency=args.sla_concurrency,
        sweep_seconds=args.sla_sweep_seconds,
    )


def _units(args: argparse.Namespace) -> int:
    os.environ["DATABASE_URL"] = os.environ.get(
        "UNITS_BENCH_DATABASE_URL", DEFAULT_UNITS_DATABASE_URL
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HELPDESK_BASE_DOMAIN", "localhost")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from bench import units_load

    call_command("migrate", interactive=False, verbosity=0)
    print("Loading the installed base (skipped when already loaded) …", flush=True)
    result = units_load.load()
    if result.loaded:
        print(f"Loaded {result.units:,} units in {result.seconds:.0f} s", flush=True)
    else:
        print(f"Already loaded: {result.units:,} units", flush=True)
    if args.load_only:
        return 0
    from bench import units_bench

    return units_bench.run(lookups=args.lookups, page_requests=args.page_requests)


def _triggers(args: argparse.Namespace) -> int:
    os.environ["DATABASE_URL"] = os.environ.get(
        "TRIGGERS_BENCH_DATABASE_URL", DEFAULT_TRIGGERS_DATABASE_URL
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("HELPDESK_LOG_LEVEL", "WARNING")
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from bench import triggers_bench

    call_command("migrate", interactive=False, verbosity=0)
    print("Making the triggers bench tenant (skipped when already made) …", flush=True)
    triggers_bench.fixture()
    if args.load_only:
        return 0
    return triggers_bench.run(rounds=args.trigger_rounds, tickets=args.trigger_tickets)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        choices=PARTS,
        help="run one benchmark (default: all)",
    )
    parser.add_argument("--api-requests", type=int, default=1200, help="per API endpoint")
    parser.add_argument("--load-only", action="store_true", help="load the data set and stop")
    parser.add_argument(
        "--dashboard-requests", type=int, default=30, help="per dashboard page and role"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per view and role")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--no-http", action="store_true", help="selector level only")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=4,
        help="gunicorn sync workers for the queue benchmark's http level (the API's keeps 4)",
    )
    units = parser.add_argument_group("installed-base benchmark")
    units.add_argument("--lookups", type=int, default=2000, help="lookups by serial and by phone")
    units.add_argument(
        "--page-requests", type=int, default=50, help="ticket page requests per history length"
    )
    triggers = parser.add_argument_group("triggers benchmark")
    triggers.add_argument(
        "--trigger-rounds", type=int, default=8, help="rounds of each side, alternating"
    )
    triggers.add_argument("--trigger-tickets", type=int, default=50, help="tickets a round")
    load = parser.add_argument_group("load test")
    load.add_argument("--load-seconds", type=float, default=60.0, help="length of the load")
    load.add_argument("--load-clients", type=int, default=50, help="concurrent clients")
    sla = parser.add_argument_group("SLA benchmark")
    sla.add_argument(
        "--sla-lead", type=float, default=90.0, help="seconds from arming to the due minute"
    )
    sla.add_argument("--sla-workers", type=int, default=2, help="Celery worker processes")
    sla.add_argument("--sla-concurrency", type=int, default=2, help="concurrency per worker")
    sla.add_argument(
        "--sla-sweep-seconds", type=float, default=15.0, help="HELPDESK_SLA_SWEEP_SECONDS"
    )
    return parser.parse_args(argv)


def _ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (needs CREATEDB)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    conninfo = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    for attempt in range(10):
        try:
            with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
                found = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
                ).fetchone()
                if not found:
                    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"]))
                    conn.execute(create)
                    print(f"Created database {config['NAME']}", flush=True)
                return
        except psycopg.OperationalError:
            if attempt == 9:
                raise
            time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
