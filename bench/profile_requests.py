"""CPU time per request, in-process: ``python -m bench.profile_requests [options]``.

The HTTP benchmarks measure latency under 8 clients on 2 shared cores, which moves with
whatever else runs on the machine. CPU time spent by this process (``time.process_time``) on
one request does not: it is what each request costs the app, whatever the neighbours do. This
tool sends each request straight to Django's WSGI handler (the same entry point gunicorn calls:
every middleware, signals, the session, the template or the API view), many times in a row,
and reports the median and p90 CPU time, the median wall time and the queries per request,
and the Python function calls of one request: a count that does not move with the machine's
load, for comparing a change before and after on a busy machine.
When PostgreSQL runs on this machine, the CPU time its backend spends on each request (planning
and running the queries, read from ``/proc/<pid>/schedstat``) is reported as well: on a small
machine it is taken from the same cores.

Requests, on the queue benchmark's data set (``bench-big``, see ``bench.load_data``):

* queue pages as ``agent01`` and as the manager: ``open``, ``mine``, ``unassigned``, and a
  filtered and searched view (``all``, priority urgent, ``q=leaking``);
* the API as the manager with a token: ``GET /api/v1/ping/``, ``POST /api/v1/tickets/`` and
  the first page of ``GET /api/v1/tickets/``.

``--profile NAME`` runs one of them under cProfile and prints the functions that take the
time (``--sort tottime`` for where the time is spent rather than what calls it); the raw
profile is written to ``var/bench/profiles/NAME.prof`` for a viewer such as snakeviz.

The database is ``DATABASE_URL``, else the queue benchmark's
(postgres://postgres@127.0.0.1:5432/helpdesk_bench), already loaded. The tickets the create
requests make are deleted afterwards and the counter reset, as ``bench.api_bench`` does, so the
data set stays as loaded; the sessions and the API token used are removed too. The cache is
``HELPDESK_CACHE_URL`` when set, else Redis database 13 (the API benchmark also keeps the
throttles' counters in Redis). Celery tasks queued after a create go to ``CELERY_BROKER_URL``.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"
TOKEN_NAME = "profile-requests"  # noqa: S105 - a label, not a secret
SEARCHED = "/tickets/?queue=all&priority=urgent&q=leaking"


@dataclass(frozen=True)
class Case:
    name: str
    as_whom: str  # "agent" / "manager": a signed-in session; "token": the manager's API token
    method: str
    path: str
    body: bytes = b""
    expected: int = 200


@dataclass
class Figures:
    case: Case
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    db_cpu_ms: list[float] = field(default_factory=list)
    queries: int = 0
    calls: int = 0
    response_bytes: int = 0

    def cpu(self, fraction: float) -> float:
        ordered = sorted(self.cpu_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cases(customer_id: int) -> list[Case]:
    queue_paths = {
        "open": "/tickets/?queue=open",
        "mine": "/tickets/?queue=mine",
        "unassigned": "/tickets/?queue=unassigned",
        "searched": SEARCHED,
    }
    body = json.dumps({"subject": "Profile: washer leaks", "customer": customer_id}).encode()
    return [
        *(
            Case(f"queue {label} ({role})", role, "GET", path)
            for role in ("agent", "manager")
            for label, path in queue_paths.items()
        ),
        Case("api ping", "token", "GET", "/api/v1/ping/"),
        Case("api create", "token", "POST", "/api/v1/tickets/", body=body, expected=201),
        Case("api list", "token", "GET", "/api/v1/tickets/"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    _configure_environment()
    import django

    django.setup()
    from bench.load_data import BIG_SLUG
    from helpdesk.models import Tenant

    tenant = Tenant.objects.filter(slug=BIG_SLUG).first() if _migrated() else None
    if tenant is None:
        print(
            f"{_database_name()} is not migrated and loaded: run "
            "`python -m bench --only queue --load-only` first.",
            file=sys.stderr,
        )
        return 2
    with _Session(tenant) as session:
        selected = [c for c in cases(session.customer_id) if _wanted(c, args)]
        if not selected:
            print(f"No request matches {args.only!r}.", file=sys.stderr)
            return 2
        if args.profile:
            _profile(session, selected[0], args)
            return 0
        results = [_measure(session, case, args.iterations) for case in selected]
    print(_report(results, args.iterations))
    return 0


def _migrated() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _wanted(case: Case, args: argparse.Namespace) -> bool:
    wanted = args.profile or args.only
    return not wanted or wanted in case.name


def _configure_environment() -> None:
    """What ``python -m bench`` sets for the queue and API benchmarks (DEBUG off, the bench
    database), plus throttle rates raised out of the way as the API benchmark does."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HELPDESK_BASE_DOMAIN", "localhost")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("HELPDESK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("HELPDESK_API_RATE", "100000000/minute")
    os.environ.setdefault("HELPDESK_API_TOKEN_RATE", "100000000/minute")
    # The API benchmark runs the throttles' counters in Redis, as production would.
    os.environ.setdefault("HELPDESK_CACHE_URL", DEFAULT_CACHE_URL)


class _Session:
    """Signed-in sessions for the agent and the manager, an API token for the manager, and a
    WSGI handler to send requests to. Leaves the database as it found it."""

    def __init__(self, tenant):
        from django.core.handlers.wsgi import WSGIHandler
        from django.test import Client
        from django_scopes import scope

        from bench.load_data import BENCH_AGENT_EMAIL, BENCH_MANAGER_EMAIL, BIG_SLUG
        from bench.sessions import sign_in
        from customers.models import Customer
        from helpdesk.models import ApiToken, Membership
        from helpdesk.services import api_token_create
        from tickets.models import TicketCounter

        self.tenant = tenant
        self.host = f"{BIG_SLUG}.localhost"
        self.handler = WSGIHandler()
        with scope(tenant=tenant):
            members = {
                role: Membership.objects.select_related("user").get(user__email=email)
                for role, email in (("agent", BENCH_AGENT_EMAIL), ("manager", BENCH_MANAGER_EMAIL))
            }
            self.customer_id = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
            self.first_new_number = TicketCounter.objects.get(tenant=tenant).last_number
            ApiToken.objects.filter(name=TOKEN_NAME).delete()
            _token, key = api_token_create(membership=members["manager"], name=TOKEN_NAME)
        self.headers = {"token": {"HTTP_AUTHORIZATION": f"Token {key}"}}
        self.session_keys = []
        for role, member in members.items():
            client = Client(HTTP_HOST=self.host)
            sign_in(client, member.user, tenant=tenant)
            cookie = client.cookies["sessionid"].value
            self.session_keys.append(cookie)
            self.headers[role] = {"HTTP_COOKIE": f"sessionid={cookie}"}

    def __enter__(self):
        return self

    def environ(self, case: Case) -> dict:
        """A fresh WSGI environ for one request (its body stream is read once)."""
        from django.test import RequestFactory

        factory = RequestFactory(HTTP_HOST=self.host, **self.headers[case.as_whom])
        request = factory.generic(
            case.method, case.path, case.body, content_type="application/json"
        )
        return request.environ

    def send(self, case: Case) -> tuple[int, int]:
        """One request through the WSGI handler: (status, body length)."""
        status = []
        chunks = self.handler(self.environ(case), lambda s, h, e=None: status.append(s))
        try:
            length = sum(len(chunk) for chunk in chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return int(status[0].split()[0]), length

    def __exit__(self, *exc):
        from django.contrib.sessions.models import Session
        from django.db import transaction
        from django_scopes import scope

        from helpdesk.models import ApiToken
        from tickets.models import Ticket, TicketCounter

        with scope(tenant=self.tenant), transaction.atomic():
            Ticket.objects.filter(number__gt=self.first_new_number).delete()
            TicketCounter.objects.filter(tenant=self.tenant).update(
                last_number=self.first_new_number
            )
            ApiToken.objects.filter(name=TOKEN_NAME).delete()
        Session.objects.filter(session_key__in=self.session_keys).delete()
        return False


def _measure(session: _Session, case: Case, iterations: int) -> Figures:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = Figures(case)
    for _warm_up in range(3):
        _check(case, session.send(case)[0])
    with CaptureQueriesContext(connection) as captured:
        _check(case, session.send(case)[0])
    figures.queries = len(captured)
    figures.calls = _python_calls(session, case)
    for _ in range(iterations):
        database_before = _database_cpu_ns()
        cpu, wall = time.process_time(), time.perf_counter()
        status, figures.response_bytes = session.send(case)
        figures.cpu_ms.append((time.process_time() - cpu) * 1000)
        figures.wall_ms.append((time.perf_counter() - wall) * 1000)
        database_after = _database_cpu_ns()
        if (
            None not in (database_before, database_after)
            and database_before[0] == database_after[0]
        ):
            figures.db_cpu_ms.append((database_after[1] - database_before[1]) / 1e6)
        _check(case, status)
    print(
        f"  {case.name:<28} CPU p50 {figures.cpu(0.5):6.1f} ms  p90 {figures.cpu(0.9):6.1f} ms"
        f"  database CPU p50 {_median(figures.db_cpu_ms)} ms"
        f"  wall p50 {statistics.median(figures.wall_ms):6.1f} ms  {figures.queries} queries"
        f"  {figures.calls:,} calls",
        flush=True,
    )
    return figures


def _python_calls(session: _Session, case: Case) -> int:
    """Python function calls in one request: unlike time, the same on a busy machine, so a
    change can be compared before and after while others use the cores."""
    profiler = cProfile.Profile()
    profiler.runcall(session.send, case)
    return pstats.Stats(profiler).total_calls


def _database_cpu_ns() -> tuple[int, int] | None:
    """(backend pid, CPU ns) of this process's PostgreSQL backend, when the server runs on this
    machine and its /proc is readable: planning and executing the queries is CPU taken from the
    same cores. ``None`` otherwise (no connection, another host, no permission)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    pid = connection.connection.info.backend_pid
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return pid, int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):5.1f}" if values else "    –"


def _check(case: Case, status: int) -> None:
    if status != case.expected:
        raise RuntimeError(f"{case.method} {case.path} as {case.as_whom}: {status}")


def _profile(session: _Session, case: Case, args: argparse.Namespace) -> None:
    for _warm_up in range(3):
        _check(case, session.send(case)[0])
    profiler = cProfile.Profile()  # wall time: waits for the database show up in psycopg
    profiler.enable()
    for _ in range(args.iterations):
        session.send(case)
    profiler.disable()
    out = Path(__file__).resolve().parent.parent / "var" / "bench" / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{case.name.replace(' ', '_').replace('(', '').replace(')', '')}.prof"
    profiler.dump_stats(path)
    print(f"{case.name}: {args.iterations} requests under cProfile (written to {path})")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.limit)


def _report(results: list[Figures], iterations: int) -> str:
    lines = [
        "",
        f"CPU time per request in this process, {iterations} requests each after 3 warm-ups "
        f"(database {_database_name()}):",
        "",
        "| request | CPU p50 ms | CPU p90 ms | database CPU p50 ms | wall p50 ms | queries "
        "| Python calls | bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in results:
        lines.append(
            f"| {f.case.name} | {f.cpu(0.5):.1f} | {f.cpu(0.9):.1f} | {_median(f.db_cpu_ms)} "
            f"| {statistics.median(f.wall_ms):.1f} | {f.queries} | {f.calls:,} "
            f"| {f.response_bytes:,} |"
        )
    return "\n".join(lines) + "\n"


def _database_name() -> str:
    from django.db import connection

    return connection.settings_dict["NAME"]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_requests", description=__doc__)
    parser.add_argument("--iterations", type=int, default=50, help="requests per case")
    parser.add_argument("--only", help="run the requests whose name contains this text")
    parser.add_argument("--profile", metavar="NAME", help="cProfile the first request matching")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (tottime, …)")
    parser.add_argument("--limit", type=int, default=45, help="rows of the profile to print")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
