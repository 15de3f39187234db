"""The API benchmark (``python -m bench --only api``): ticket creation and the first page of the
ticket list through the REST API, against the bare ``/api/v1/ping/`` in the same run.

gunicorn (4 sync workers) serves the app on the loaded bench database (1,000,000 tickets,
500,000 of them in ``bench-big``); ``concurrency`` clients send requests with a manager's API
token. The three endpoints are measured in interleaved rounds (ping, create, list, ping, …) so
drifting load on the machine hits them alike. Reported: requests/s, p50/p95/p99, the ratio of
create to ping throughput, and the queries each request runs (counted in-process).

The tickets created here are deleted afterwards and ``bench-big``'s counter is reset, so the
data set stays exactly as ``bench.load_data`` left it.

Preconditions: Django is set up against the loaded bench database (``bench.load_data``).
"""

import http.client
import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from bench.load_data import BENCH_MANAGER_EMAIL, BIG_SLUG
from bench.queue_bench import OUT_DIR, _free_port, _start_gunicorn
from bench.stack import server_cache
from customers.models import Customer
from helpdesk.models import ApiToken, Membership, Tenant
from helpdesk.services import api_token_create
from tickets.models import Ticket, TicketCounter

CREATE_SHARE_TARGET = 0.45
CREATE_P99_TARGET_MS = 60.0
LIST_P95_TARGET_MS = 50.0
ROUNDS = 4
WARM_UP = 30
TOKEN_NAME = "api-bench"  # noqa: S105 - a label, not a secret


@dataclass
class Endpoint:
    label: str
    method: str
    path: str
    body: bytes | None = None
    expected: int = 200
    timings_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    queries: int | None = None

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.timings_ms) or [math.inf]
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        return len(self.timings_ms) / self.seconds if self.seconds else 0.0


def run(*, requests: int, concurrency: int) -> int:
    tenant = Tenant.objects.get(slug=BIG_SLUG)
    with scope(tenant=tenant):
        member = Membership.objects.select_related("user").get(user__email=BENCH_MANAGER_EMAIL)
        customer_id = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
        first_new_number = TicketCounter.objects.get(tenant=tenant).last_number
        ApiToken.objects.filter(name=TOKEN_NAME).delete()
        _token, key = api_token_create(membership=member, name=TOKEN_NAME)
    body = json.dumps({"subject": "API bench: washer leaks", "customer": customer_id}).encode()
    endpoints = [
        Endpoint("ping (bare DRF)", "GET", "/api/v1/ping/"),
        Endpoint("create ticket", "POST", "/api/v1/tickets/", body=body, expected=201),
        Endpoint("list tickets (page 1)", "GET", "/api/v1/tickets/"),
    ]
    try:
        _count_queries(tenant, key, endpoints)
        cache = _configure_server_environment()
        load_before = os.getloadavg()
        _measure(endpoints, key, requests, concurrency)
        load_after = os.getloadavg()
    finally:
        _remove_created_tickets(tenant, first_new_number)
    report = _report(endpoints, requests, concurrency, cache, load_before, load_after)
    print("\n" + report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "api_results.md").write_text(report)
    print(f"(also written to {OUT_DIR / 'api_results.md'})")
    return 0


def _configure_server_environment() -> str:
    """What gunicorn inherits: no throttling in the way of the measurement (its cache calls
    still run), and the shared cache production uses (Redis) when one is reachable."""
    os.environ["HELPDESK_API_RATE"] = "100000000/minute"
    os.environ["HELPDESK_API_TOKEN_RATE"] = "100000000/minute"  # noqa: S105
    return server_cache()


def _count_queries(tenant: Tenant, key: str, endpoints: list[Endpoint]) -> None:
    """Queries per request, from one request of each in this process (after one warm-up)."""
    host = f"{BIG_SLUG}.{settings.HELPDESK_BASE_DOMAIN}"
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {key}")
    for endpoint in endpoints:
        for _attempt in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(
                    endpoint.method,
                    endpoint.path,
                    endpoint.body or b"",
                    content_type="application/json",
                )
        if response.status_code != endpoint.expected:
            raise RuntimeError(f"{endpoint.label}: {response.status_code} {response.content!r}")
        endpoint.queries = len(captured)


def _measure(endpoints: list[Endpoint], key: str, requests: int, concurrency: int) -> None:
    port = _free_port()
    server = _start_gunicorn(port)
    host = f"{BIG_SLUG}.{settings.HELPDESK_BASE_DOMAIN}:{port}"
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for endpoint in endpoints:
                list(pool.map(lambda _, e=endpoint: _call(port, host, key, e), range(WARM_UP)))
            per_round = max(1, requests // ROUNDS)
            for _round in range(ROUNDS):
                for endpoint in endpoints:
                    started = time.perf_counter()
                    outcomes = list(
                        pool.map(lambda _, e=endpoint: _call(port, host, key, e), range(per_round))
                    )
                    endpoint.seconds += time.perf_counter() - started
                    endpoint.timings_ms += [ms for ms in outcomes if ms is not None]
                    endpoint.errors += sum(ms is None for ms in outcomes)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _call(port: int, host: str, key: str, endpoint: Endpoint) -> float | None:
    """One request on a fresh connection (gunicorn's sync workers close it); ms or None."""
    headers = {"Host": host, "Authorization": f"Token {key}"}
    if endpoint.body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request(endpoint.method, endpoint.path, body=endpoint.body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
    except OSError:
        return None
    finally:
        conn.close()
    return elapsed if response.status == endpoint.expected else None


def _remove_created_tickets(tenant: Tenant, first_new_number: int) -> None:
    """Delete what the run created and put the counter back (bench.load_data checks it)."""
    with scope(tenant=tenant), transaction.atomic():
        created = Ticket.objects.filter(number__gt=first_new_number)
        count = created.count()
        created.delete()
        TicketCounter.objects.filter(tenant=tenant).update(last_number=first_new_number)
        ApiToken.objects.filter(name=TOKEN_NAME).delete()
    print(f"Removed the {count} tickets created by the run.", flush=True)


def _report(endpoints, requests, concurrency, cache, load_before, load_after) -> str:
    ping, create, listing = endpoints
    share = create.throughput / ping.throughput if ping.throughput else 0.0
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when}; gunicorn 4 sync workers, {concurrency} concurrent clients, "
        f"{requests} requests per endpoint in {ROUNDS} interleaved rounds after {WARM_UP} "
        f"warm-up requests; token auth as a manager of {BIG_SLUG} (500,000 of the 1,000,000 "
        f"tickets); cache {cache}; {os.cpu_count()} CPUs; load average (1/5/15 min) "
        f"{_load(load_before)} before, {_load(load_after)} after.",
        "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | max ms | queries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in endpoints:
        lines.append(
            f"| {e.label} | {e.throughput:.0f} | {e.percentile(0.5):.1f} "
            f"| {e.percentile(0.95):.1f} | {e.percentile(0.99):.1f} "
            f"| {max(e.timings_ms, default=math.inf):.1f} | {e.queries} | {e.errors} |"
        )
    checks = [
        (
            f"create throughput {share:.0%} of ping (target ≥ {CREATE_SHARE_TARGET:.0%})",
            share >= CREATE_SHARE_TARGET,
        ),
        (
            f"create p99 {create.percentile(0.99):.1f} ms (target < {CREATE_P99_TARGET_MS:.0f})",
            create.percentile(0.99) < CREATE_P99_TARGET_MS,
        ),
        (
            f"list p95 {listing.percentile(0.95):.1f} ms (target < {LIST_P95_TARGET_MS:.0f})",
            listing.percentile(0.95) < LIST_P95_TARGET_MS,
        ),
    ]
    lines += ["", *(f"- {text}: {'met' if ok else 'MISSED'}" for text, ok in checks)]
    return "\n".join(lines) + "\n"


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.1f}" for value in values)
