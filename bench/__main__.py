"""``python -m bench [--load-only] [--requests N] [--concurrency N] [--no-http]``.

Uses ``DATABASE_URL`` when set, else postgres://postgres@127.0.0.1:5432/helpdesk_bench, and
creates that database when it is missing.
"""

import argparse
import os
import sys
import time

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
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
    return queue_bench.run(
        requests=args.requests,
        concurrency=args.concurrency,
        http=not args.no_http,
        explain=not args.no_explain,
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--load-only", action="store_true", help="load the data set and stop")
    parser.add_argument("--requests", type=int, default=200, help="requests per view and role")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--no-http", action="store_true", help="selector level only")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE")
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
