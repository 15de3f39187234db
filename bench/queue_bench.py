"""Measure the first page of every queue view on the loaded data set, as an agent and a manager.

Three levels, each labelled in the output:

* **http** — the page as an agent gets it: gunicorn (``web_workers`` sync workers, 4 unless
  told) serving ``/tickets/?…`` on
  ``bench-big.localhost``, signed in with a session, ``concurrency`` clients at once. Only when
  the ticket views exist (``/tickets/`` resolves).
* **selector** — ``list(ticket_queue(...)[:25])`` inside the tenant scope from ``concurrency``
  threads: the ORM and the database without the view and template.
* **sql** — ``EXPLAIN (ANALYZE, BUFFERS)`` of the same query, one at a time; the plans are written
  to var/bench/plans/ for reading.

Preconditions: Django is set up against the loaded bench database (``bench.load_data``).
"""

import http.client
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.urls import Resolver404, resolve
from django_scopes import scope

from bench.load_data import BENCH_AGENT_EMAIL, BENCH_MANAGER_EMAIL, BIG_SLUG, PASSWORD
from bench.stack import server_cache
from customers.models import Customer, Tier
from helpdesk.models import Membership, Tenant
from tickets.models import Category, Ticket
from tickets.selectors import QueueFilters, ticket_queue
from tickets.views import QUEUE_PAGE_SIZE

TARGET_P95_MS = 100.0
# What the queue view fetches: one page plus one row that says whether there is a next page.
PAGE_SIZE = QUEUE_PAGE_SIZE + 1
OUT_DIR = Path(settings.BASE_DIR) / "var" / "bench"


@dataclass(frozen=True)
class View:
    label: str
    queue: str
    filters: dict = field(default_factory=dict)

    def query_string(self) -> str:
        return urllib.parse.urlencode({"queue": self.queue, **self.filters})


@dataclass
class Figures:
    level: str
    role: str
    view: str
    timings_ms: list[float]
    wall_seconds: float
    errors: int = 0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        return len(self.timings_ms) / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def passed(self) -> bool:
        return self.errors == 0 and self.percentile(0.95) < TARGET_P95_MS


def views_for(tenant: Tenant) -> list[View]:
    """Every queue, then the filtered and searched views the issue names."""
    with scope(tenant=tenant):
        category = Category.objects.get(name="Firmware")
        vip = Tier.objects.get(code="vip")
        number = Ticket.objects.filter(number=123_456).values_list("number", flat=True).get()
        email = Customer.objects.order_by("pk").values_list("email", flat=True)[0]
    return [
        *(View(queue, queue) for queue in ("mine", "unassigned", "team", "open")),
        *(View(queue, queue) for queue in ("pending", "resolved", "all")),
        View("status+priority", "all", {"status": "pending", "priority": "urgent"}),
        View("category", "open", {"category": category.pk}),
        View("tier (VIP)", "open", {"tier": vip.pk}),
        View("q=word", "all", {"q": "leaking"}),
        View("q=中文", "all", {"q": "漏水"}),
        View("q=#number", "all", {"q": f"#{number}"}),
        View("q=rare code", "all", {"q": "XQB-4711"}),
        View("q=e-mail", "all", {"q": email.upper()}),
    ]


def run(*, requests: int, concurrency: int, http: bool, explain: bool, web_workers: int = 4) -> int:
    tenant = Tenant.objects.get(slug=BIG_SLUG)
    with scope(tenant=tenant):
        members = {
            "agent": Membership.objects.select_related("tenant", "user").get(
                user__email=BENCH_AGENT_EMAIL
            ),
            "manager": Membership.objects.select_related("tenant", "user").get(
                user__email=BENCH_MANAGER_EMAIL
            ),
        }
    views = views_for(tenant)
    load_before = os.getloadavg()[0]
    results: list[Figures] = []
    sql_ms: dict[tuple[str, str], float] = {}
    if explain:
        sql_ms = _explain_all(tenant, members, views)
    results += _selector_level(tenant, members, views, requests, concurrency)
    if http and _ticket_views_exist():
        results += _http_level(views, requests, concurrency, web_workers)
    elif http:
        print("\nhttp level skipped: /tickets/ does not resolve yet (no ticket views).")
    # Other work on the machine shares the cores with the app and skews every figure.
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    report = _report(results, sql_ms, requests, concurrency, load, web_workers)
    print("\n" + report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "results.md").write_text(report)
    print(f"(also written to {OUT_DIR / 'results.md'})")
    return 0


# --- sql level --------------------------------------------------------------------------------


def _explain_all(tenant, members, views) -> dict[tuple[str, str], float]:
    plans = OUT_DIR / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    timings = {}
    with scope(tenant=tenant):
        for role, member in members.items():
            for view in views:
                queryset = ticket_queue(
                    member=member, queue=view.queue, filters=QueueFilters(**view.filters)
                )[:PAGE_SIZE]
                try:
                    sql = str(queryset.query)
                except EmptyResultSet:  # e.g. the team queue of someone in no team
                    continue
                queryset.explain(analyze=True)  # warm the cache once, then measure
                plan = queryset.explain(analyze=True, buffers=True)
                slug = re.sub(r"[^a-z0-9]+", "-", view.label.lower()).strip("-") or "zh"
                (plans / f"{role}-{slug}.txt").write_text(f"{sql}\n\n{plan}\n")
                timings[(role, view.label)] = float(
                    re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)
                )
    return timings


# --- selector level ---------------------------------------------------------------------------


def _selector_level(tenant, members, views, requests, concurrency) -> list[Figures]:
    results = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for role, member in members.items():
            for view in views:

                def call(view=view, member=member) -> float:
                    with scope(tenant=tenant):
                        started = time.perf_counter()
                        rows = list(
                            ticket_queue(
                                member=member,
                                queue=view.queue,
                                filters=QueueFilters(**view.filters),
                            )[:PAGE_SIZE]
                        )
                        elapsed = (time.perf_counter() - started) * 1000
                    assert len(rows) <= PAGE_SIZE
                    return elapsed

                results.append(_hammer(pool, "selector", role, view.label, call, requests))
        # Each worker thread holds its own connection; close them before the pool goes away.
        list(pool.map(lambda _: connections.close_all(), range(concurrency)))
    return results


def _hammer(pool, level, role, label, call: Callable[[], float], requests) -> Figures:
    """Warm up, then ``requests`` calls spread over the pool's threads. The warm-up sends two
    calls per thread at once, so that over HTTP every gunicorn worker has served the view
    (its first time loads code and templates) before the measured calls."""
    list(pool.map(lambda _: _safely(call), range(2 * pool._max_workers)))
    started = time.perf_counter()
    outcomes = list(pool.map(lambda _: _safely(call), range(requests)))
    wall = time.perf_counter() - started
    timings = [ms for ms in outcomes if ms is not None]
    figures = Figures(level, role, label, timings or [math.inf], wall, requests - len(timings))
    print(
        f"  {level:<8} {role:<7} {label:<16} p50 {figures.percentile(0.5):7.1f} ms"
        f"  p95 {figures.percentile(0.95):7.1f} ms  {figures.throughput:6.1f}/s",
        flush=True,
    )
    return figures


def _safely(call: Callable[[], float]) -> float | None:
    try:
        return call()
    except Exception as error:  # counted as an error; the first few are shown
        print(f"    error: {error!r}", file=sys.stderr)
        return None


# --- http level -------------------------------------------------------------------------------


def _ticket_views_exist() -> bool:
    try:
        resolve("/tickets/", urlconf="config.urls")
    except Resolver404:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_level(views, requests, concurrency, web_workers) -> list[Figures]:
    port = _free_port()
    server = _start_gunicorn(port, workers=web_workers)
    try:
        host = f"{BIG_SLUG}.{settings.HELPDESK_BASE_DOMAIN}:{port}"
        client = _Client(port, host)
        cookies = {
            "agent": client.login(BENCH_AGENT_EMAIL),
            "manager": client.login(BENCH_MANAGER_EMAIL),
        }
        results = []
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for role, cookie in cookies.items():
                for view in views:
                    path = f"/tickets/?{view.query_string()}"

                    def call(path=path, cookie=cookie) -> float:
                        return client.get_page(path, cookie)

                    results.append(_hammer(pool, "http", role, view.label, call, requests))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _start_gunicorn(port: int, *, workers: int = 4) -> subprocess.Popen:
    server_cache()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            *(str(gunicorn), "config.wsgi:application", "--workers", str(workers)),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "HELPDESK_LOG_LEVEL": "WARNING"},
    )
    for _ in range(60):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


class _Client:
    """Plain http.client: one connection per request, as gunicorn's sync workers close it."""

    def __init__(self, port: int, host: str):
        self.port = port
        self.host = host

    def _request(self, method, path, *, cookie="", body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={"Host": self.host, "Cookie": cookie, **(headers or {})},
            )
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def login(self, email: str) -> str:
        _, headers, page = self._request("GET", "/accounts/login/")
        csrf_cookie = _cookie(headers, "csrftoken")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token.decode()}
        )
        status, headers, _ = self._request(
            "POST",
            "/accounts/login/",
            cookie=f"csrftoken={csrf_cookie}",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        session = _cookie(headers, "sessionid")
        if status != 302 or not session:
            raise RuntimeError(f"login as {email} failed ({status})")
        return f"sessionid={session}; csrftoken={csrf_cookie}"

    def get_page(self, path: str, cookie: str) -> float:
        started = time.perf_counter()
        status, _, _ = self._request("GET", path, cookie=cookie)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        return elapsed


def _cookie(headers, name: str) -> str:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return ""


# --- report -----------------------------------------------------------------------------------


def _report(
    results: list[Figures], sql_ms, requests: int, concurrency: int, load: str, web_workers: int
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when}; {requests} requests per view and role, {concurrency} concurrent; "
        f"first page ({QUEUE_PAGE_SIZE} rows + 1); target p95 < {TARGET_P95_MS:.0f} ms; "
        f"{os.cpu_count()} CPUs, {load}; HTTP through gunicorn ({web_workers} sync workers) "
        f"with the cache {os.environ.get('HELPDESK_CACHE_URL') or 'file-based'}.",
        "",
        "| level | role | view | p50 ms | p95 ms | max ms | req/s | sql ms (1 run) | p95 ok |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in results:
        sql = sql_ms.get((f.role, f.view))
        lines.append(
            f"| {f.level} | {f.role} | {f.view} | {f.percentile(0.5):.1f} "
            f"| {f.percentile(0.95):.1f} | {max(f.timings_ms):.1f} | {f.throughput:.0f} "
            f"| {'' if sql is None else f'{sql:.1f}'} "
            f"| {'yes' if f.passed else 'NO'}{f' ({f.errors} errors)' if f.errors else ''} |"
        )
    missed = [f for f in results if not f.passed]
    lines += ["", f"{len(results) - len(missed)} of {len(results)} views meet the target."]
    return "\n".join(lines) + "\n"
