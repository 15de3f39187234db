"""``python -m bench --only load``: a mixed workload of concurrent clients against the whole
stack, then a check in the database that nothing accepted was lost.

The stack: gunicorn (4 sync workers, as in the API benchmark), ONE Celery worker (concurrency 2)
and one beat on Redis db 10 (also the cache), and its own PostgreSQL database,
``LOAD_BENCH_DATABASE_URL``, else postgres://postgres@127.0.0.1:5432/helpdesk_bench_load
(created, migrated and seeded when missing). DEBUG is off; e-mail goes to memory. The portal's
per-address limit and the API throttles are raised out of the way (the output says which),
because every client comes from 127.0.0.1.

The data set (``seed``, idempotent): three tenants (``load-a``, ``load-b``, ``load-c``) seeded by
the demo code — the demo people, teams, categories, customers and tickets — plus 30 customers
each; every run gives the six people the clients sign in as a fresh API token. Tickets pile up
from run to run; each run finds its own writes by a marker in the subject or body.

``clients`` threads run for ``seconds``, each as one person of one tenant with a browser session
(signed in), a customer's browser (the portal) and the person's API token. After signing in and
one warm-up round (not measured), each iteration picks one of (weights in ``WEIGHTS``):

* **portal**: GET the form (CSRF), POST a new request, GET the "received" page it redirects to,
  which shows the ticket number;
* **api**: POST /api/v1/tickets/ with a unique ``Idempotency-Key``; the 201 body has the number.
  One time in ten the same request goes twice at once, as an integration that retried;
* **reply**: GET a ticket page seen on the client's last queue page, POST the reply form (a
  public reply, or one time in five an internal note) with a body unique to the run;
* **queue**: GET one of the queue views (some filtered or searched).

Reported per kind of request: count, requests/s, p50/p95/p99/max and the status codes; the CPU
the app, the worker and the whole machine used in the window. Then, from the database: every
accepted ticket exists once, under the number the client was given, in its tenant, with the
subject sent, and no ticket exists that no client was told of; every accepted reply exists as
a Message on its ticket; each tenant's numbers are 1..N with no gap and no duplicate (and the
counter says N); a key sent twice made one ticket; no response was a 5xx or a dropped
connection; every response had the status a browser expects. Each check prints PASS or FAIL;
any FAIL makes the exit status 1. The report also goes to var/bench/load-results.md.
"""

import http.client
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.dashboard_bench import percentile

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_load"
BROKER_URL = "redis://127.0.0.1:6379/10"
TENANT_SLUGS = ("load-a", "load-b", "load-c")
EXTRA_CUSTOMERS = 30
# The demo people the clients sign in as (helpdesk.demo.ACME_PEOPLE): agents, leads, manager.
CLIENT_PEOPLE = (
    "agent1@acme.test",
    "agent2@acme.test",
    "agent3@acme.test",
    "lead.repair@acme.test",
    "lead.care@acme.test",
    "manager@acme.test",
)
TOKEN_NAME = "load-test"  # noqa: S105 - a label, not a secret
WEIGHTS = {"portal": 20, "api": 20, "reply": 20, "queue": 40}
INTERNAL_NOTE_SHARE = 0.2
# An integration that gave up waiting and sent the create again with the same key, while the
# first attempt may still be running: the second answer must name the same ticket.
REPEATED_KEY_SHARE = 0.1
REQUEST_TIMEOUT_SECONDS = 120
# Every client comes from 127.0.0.1, so the per-address portal limit would stop the run at once.
RAISED_LIMITS = {
    "HELPDESK_PORTAL_RATE_PER_HOUR": "100000000",
    "HELPDESK_API_RATE": "100000000/minute",
    "HELPDESK_API_TOKEN_RATE": "100000000/minute",
}
# Queue views whose rows an agent may answer (active tickets only), and the others.
ACTIVE_QUEUES = ("mine", "team", "unassigned", "open", "breaching")
QUEUE_VIEWS = (
    *({"queue": queue} for queue in ACTIVE_QUEUES),
    {"queue": "pending"},
    {"queue": "all"},
    {"queue": "open", "priority": "high"},
    {"queue": "all", "q": "leaks"},
)
SUBJECTS = (
    "Washing machine leaks water",
    "洗衣机漏水",
    "Air conditioner not cooling",
    "冰箱不制冷",
    "Charged twice for the extended warranty",
)
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TICKET_LINK = re.compile(rb'href="/tickets/(\d+)/"')
RECEIVED_NUMBER = re.compile(rb'class="ticket-number-big">.*?#(\d+)', re.DOTALL)
# Labels of the requests, in the order of the report.
OPERATIONS = (
    "portal form (GET)",
    "portal submit (POST)",
    "portal received (GET)",
    "API create (POST)",
    "API create, same key again (POST)",
    "ticket page (GET)",
    "agent reply (POST)",
    "queue view (GET)",
)


def main(args) -> int:
    """Set Django up on the load database, seed it once, then run the load."""
    from bench.__main__ import _ensure_database

    os.environ["DATABASE_URL"] = os.environ.get("LOAD_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    # Set before Django starts: seeding creates tickets, whose tasks must reach this broker.
    os.environ["CELERY_BROKER_URL"] = BROKER_URL
    os.environ["HELPDESK_CACHE_URL"] = BROKER_URL  # the shared cache the rate limits count in
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HELPDESK_BASE_DOMAIN", "localhost")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # measure what production runs
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    _ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    seed()
    if args.load_only:
        return 0
    return run(seconds=args.load_seconds, clients=args.load_clients)


# --- data set -------------------------------------------------------------------------------------


@dataclass
class TenantPlan:
    """What the clients of one tenant need, read before the run (they never touch the DB)."""

    slug: str
    host: str = ""
    customer_ids: list[int] = field(default_factory=list)
    customer_emails: list[str] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    first_number: int = 0  # the counter before the run


def seed() -> None:
    """The three tenants, from the demo seeding code; does nothing for a tenant already there."""
    from django.db import transaction
    from django_scopes import scope

    from customers.demo import seed_customers
    from customers.models import Customer
    from customers.services import customer_create
    from helpdesk import demo
    from tickets.demo import seed_tickets

    for slug in TENANT_SLUGS:
        with transaction.atomic():
            tenant = demo.demo_tenant(slug, f"Load {slug[-1].upper()}", f"admin@{slug}.test", "en")
            people = demo.seed_people(tenant)
            with scope(tenant=tenant):
                seed_tickets(tenant, seed_customers(tenant), people["agent1@acme.test"])
                if not Customer.objects.filter(email=f"customer1@{slug}.test").exists():
                    for i in range(1, EXTRA_CUSTOMERS + 1):
                        customer_create(
                            tenant=tenant, name=f"Customer {i}", email=f"customer{i}@{slug}.test"
                        )
    print(f"Seeded tenants: {', '.join(TENANT_SLUGS)}", flush=True)


def _plans(port: int) -> list[TenantPlan]:
    """Read each tenant's ids and give its client people new API tokens (old ones deleted)."""
    from django.conf import settings
    from django_scopes import scope

    from customers.models import Customer
    from helpdesk.models import ApiToken, Membership, Tenant
    from helpdesk.services import api_token_create
    from tickets.models import Category, TicketCounter

    plans = []
    for slug in TENANT_SLUGS:
        tenant = Tenant.objects.get(slug=slug)
        plan = TenantPlan(slug, host=f"{slug}.{settings.HELPDESK_BASE_DOMAIN}:{port}")
        with scope(tenant=tenant):
            customers = Customer.objects.order_by("pk").values_list("pk", "email")
            plan.customer_ids = [pk for pk, _email in customers]
            plan.customer_emails = [email for _pk, email in customers if email]
            plan.category_ids = list(Category.objects.values_list("pk", flat=True))
            plan.first_number = TicketCounter.objects.get(tenant=tenant).last_number
            ApiToken.objects.filter(name=TOKEN_NAME).delete()
            members = Membership.objects.select_related("user")
            for member in members.filter(user__email__in=CLIENT_PEOPLE):
                plan.tokens[member.user.email] = api_token_create(
                    membership=member, name=TOKEN_NAME
                )[1]
        plans.append(plan)
    return plans


# --- recording ------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int  # 0: the connection failed or timed out
    headers: dict[str, str]
    body: bytes
    ms: float


@dataclass(frozen=True)
class AcceptedTicket:
    slug: str
    subject: str
    number: int | None  # None: accepted (redirected), but the received page did not load


@dataclass(frozen=True)
class AcceptedReply:
    slug: str
    number: int
    body: str
    kind: str


@dataclass
class Operation:
    timings_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    unexpected: int = 0


class Recorder:
    """Every response of the run and every accepted write, shared by the client threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.operations = {label: Operation() for label in OPERATIONS}
        self.warm_up = Operation()  # every request before the measured window
        self.measuring = False
        self.tickets: list[AcceptedTicket] = []
        self.replies: list[AcceptedReply] = []
        self.repeated_keys: Counter = Counter()  # answered as a replay (True) or not (False)

    def record(self, label: str, reply: Reply, expected: int) -> bool:
        """Count one response; True if it has the expected status."""
        with self._lock:
            operation = self.operations[label] if self.measuring else self.warm_up
            operation.timings_ms.append(reply.ms)
            operation.statuses[reply.status] += 1
            operation.unexpected += reply.status != expected
        return reply.status == expected

    def repeated_key(self, *, replayed: bool) -> None:
        with self._lock:
            self.repeated_keys[replayed] += 1

    def accept_ticket(self, ticket: AcceptedTicket) -> None:
        with self._lock:
            self.tickets.append(ticket)

    def accept_reply(self, reply: AcceptedReply) -> None:
        with self._lock:
            self.replies.append(reply)


# --- clients --------------------------------------------------------------------------------------


class Browser:
    """One client's cookies over plain http.client, one connection per request (gunicorn's sync
    workers close it after every response)."""

    def __init__(self, port: int, host: str, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = {"Host": host, **(headers or {})}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form=None, payload=None, headers=None) -> Reply:
        return self.send(method, path, form=form, payload=payload, headers=headers)[0]

    def send(self, method, path, *, form=None, payload=None, headers=None, copies=1) -> list:
        """``copies`` identical requests on as many connections, all sent before any answer is
        read (so the server may work on them at once); one Reply each."""
        headers = {**self.headers, **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload)
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connections = [
            http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS)
            for _ in range(copies)
        ]
        started = time.perf_counter()
        try:
            for connection in connections:
                connection.request(method, path, body=body, headers=headers)
            return [self._answer(connection, started) for connection in connections]
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out
            print(f"    {method} {path}: {error!r}", file=sys.stderr, flush=True)
            return [Reply(0, {}, b"", (time.perf_counter() - started) * 1000)] * copies
        finally:
            for connection in connections:
                connection.close()

    def _answer(self, connection: http.client.HTTPConnection, started: float) -> Reply:
        response = connection.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        self._keep_cookies(response.getheaders())
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, content, elapsed
        )

    def _keep_cookies(self, raw_headers) -> None:
        for key, value in raw_headers:
            if key.lower() == "set-cookie":
                name, _sep, rest = value.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = rest

    def sign_in(self, email: str, password: str) -> None:
        page = self.request("GET", "/accounts/login/")
        form = {"username": email, "password": password, "csrfmiddlewaretoken": _csrf(page)}
        reply = self.request("POST", "/accounts/login/", form=form)
        if reply.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {email} failed ({reply.status})")


def _csrf(reply: Reply) -> str:
    found = CSRF_FIELD.search(reply.body)
    return found.group(1).decode() if found else ""


class LoadClient:
    """One of the concurrent clients: a person of one tenant, with that person's browser session
    and API token and a customer's browser for the portal."""

    def __init__(self, index: int, plan: TenantPlan, email: str, port: int, run_id: str, recorder):
        self.index = index
        self.plan = plan
        self.email = email
        self.run_id = run_id
        self.recorder = recorder
        self.random = random.Random(f"{run_id}-{index}")  # noqa: S311 - a workload, not a secret
        self.agent = Browser(port, plan.host)
        self.customer = Browser(port, plan.host)
        self.api = Browser(port, plan.host, {"Authorization": f"Token {plan.tokens[email]}"})
        self.targets: list[int] = []  # ticket numbers of the last active queue page
        self.sequence = 0

    def sign_in(self) -> None:
        from helpdesk.demo import DEMO_PASSWORD

        self.agent.sign_in(self.email, DEMO_PASSWORD)

    def warm_up(self) -> None:
        """Each kind of request once: the server's first requests compile templates and fill
        caches, which is not what the measured window should see."""
        for action in self._actions().values():
            action()

    def run_until(self, deadline: float) -> None:
        actions = self._actions()
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < deadline:
            actions[self.random.choices(kinds, weights)[0]]()

    def _actions(self) -> dict:
        return {
            "portal": self.portal_submission,
            "api": self.api_create,
            "reply": self.agent_reply,
            "queue": self.queue_view,
        }

    def _marker(self) -> str:
        """Unique to this write in every run: how the check finds it in the database."""
        self.sequence += 1
        return f"[{self.run_id}-{self.index:02d}-{self.sequence}]"

    def portal_submission(self) -> None:
        form_page = self.customer.request("GET", "/support/")
        if not self.recorder.record("portal form (GET)", form_page, 200):
            return
        subject = f"{self.random.choice(SUBJECTS)} {self._marker()}"
        known = self.random.random() < 0.5  # half from customers already on file
        email = (
            self.random.choice(self.plan.customer_emails)
            if known
            else f"visitor.{self.run_id}.{self.index}.{self.sequence}@example.com"
        )
        form = {
            "csrfmiddlewaretoken": _csrf(form_page),
            "name": "Portal visitor",
            "email": email,
            "phone": "",
            "subject": subject,
            "description": "It started this morning. 今天早上开始的。",
            "category": self.random.choice([*self.plan.category_ids, ""]),
            "website": "",
        }
        submitted = self.customer.request("POST", "/support/", form=form)
        if not self.recorder.record("portal submit (POST)", submitted, 302):
            return
        received = self.customer.request("GET", submitted.headers.get("location", "/support/"))
        number = None
        if self.recorder.record("portal received (GET)", received, 200):
            found = RECEIVED_NUMBER.search(received.body)
            number = int(found.group(1)) if found else None
        self.recorder.accept_ticket(AcceptedTicket(self.plan.slug, subject, number))

    def api_create(self) -> None:
        subject = f"{self.random.choice(SUBJECTS)} {self._marker()}"
        payload = {
            "subject": subject,
            "description": "Reported through the integration.",
            "customer": self.random.choice(self.plan.customer_ids),
            "priority": self.random.choice(("low", "normal", "normal", "high", "urgent")),
            "category": self.random.choice([*self.plan.category_ids, None]),
        }
        key = {"Idempotency-Key": f"load-{self.run_id}-{self.index}-{self.sequence}"}
        copies = 2 if self.random.random() < REPEATED_KEY_SHARE else 1
        replies = self.api.send(
            "POST", "/api/v1/tickets/", payload=payload, headers=key, copies=copies
        )
        labels = ("API create (POST)", "API create, same key again (POST)")
        numbers = {
            json.loads(reply.body)["number"]
            for label, reply in zip(labels, replies, strict=False)
            if self.recorder.record(label, reply, 201)
        }
        if copies > 1:  # either of the two may be the one that waited and replayed
            replayed = [r.headers.get("idempotent-replayed") == "true" for r in replies]
            self.recorder.repeated_key(replayed=any(replayed))
        for number in numbers:  # two numbers: a duplicate, which the checks will report
            self.recorder.accept_ticket(AcceptedTicket(self.plan.slug, subject, number))

    def agent_reply(self) -> None:
        if not self.targets:
            self.queue_view({"queue": self.random.choice(ACTIVE_QUEUES)})
            if not self.targets:
                return
        number = self.random.choice(self.targets)
        page = self.agent.request("GET", f"/tickets/{number}/")
        if not self.recorder.record("ticket page (GET)", page, 200):
            self.targets.remove(number)
            return
        internal = self.random.random() < INTERNAL_NOTE_SHARE
        kind = "internal" if internal else "public"
        body = f"Load test {'note' if internal else 'reply'} {self._marker()}: 已安排技术员。"
        form = {"csrfmiddlewaretoken": _csrf(page), "body": body, "kind": kind}
        replied = self.agent.request("POST", f"/tickets/{number}/reply/", form=form)
        if self.recorder.record("agent reply (POST)", replied, 302):
            self.recorder.accept_reply(AcceptedReply(self.plan.slug, number, body, kind))

    def queue_view(self, params: dict | None = None) -> None:
        params = params or self.random.choice(QUEUE_VIEWS)
        page = self.agent.request("GET", f"/tickets/?{urllib.parse.urlencode(params)}")
        if self.recorder.record("queue view (GET)", page, 200) and _answerable(params):
            self.targets = [int(n) for n in dict.fromkeys(TICKET_LINK.findall(page.body))]


def _answerable(params: dict) -> bool:
    return params.get("queue") in ACTIVE_QUEUES and len(params) == 1


# --- the run --------------------------------------------------------------------------------------


def run(*, seconds: float, clients: int) -> int:
    from bench.api_bench import _load
    from bench.queue_bench import OUT_DIR, _free_port, _start_gunicorn
    from bench.stack import celery_start, celery_stop, stop

    run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    port = _free_port()
    plans = _plans(port)
    os.environ.update(RAISED_LIMITS)  # what gunicorn inherits
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log_dir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    load_before = os.getloadavg()
    print(f"Load average before: {_load(load_before)}", flush=True)
    print("Raised for the run: " + ", ".join(f"{k}={v}" for k, v in RAISED_LIMITS.items()))
    recorder = Recorder()
    workers = celery_start(env=env, log_dir=log_dir, name="loadbench", workers=1, concurrency=2)
    try:
        server = _start_gunicorn(port)
        print(f"gunicorn on port {port}, 1 Celery worker × 2, beat; logs in {log_dir}", flush=True)
        stack = {"gunicorn": [server.pid], "Celery worker": [workers[0].pid]}
        try:
            wall, cpu = _drive(plans, port, run_id, recorder, seconds, clients, stack)
        finally:
            stop([server])
        window = Window(seconds, clients, wall, cpu, load_before, os.getloadavg())
        drain = _drain(plans)
    finally:
        celery_stop(workers, env)
    checks = verify(plans, recorder, run_id)
    report = _report(recorder, checks, drain, window)
    print("\n" + report)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "load-results.md").write_text(report)
    print(f"(also written to {OUT_DIR / 'load-results.md'})")
    return 0 if all(check.passed for check in checks) else 1


def _drive(plans, port, run_id, recorder, seconds: float, clients: int, stack: dict) -> tuple:
    """Sign every client in and warm up, then let them all loose for ``seconds``. Returns the
    wall time the measured window took (the last requests finish after the deadline) and the
    CPU seconds each process of ``stack`` (name → root pid) used in it."""
    people = [(plan, email) for email in CLIENT_PEOPLE for plan in plans]
    load_clients = [
        LoadClient(i, *people[i % len(people)], port, run_id, recorder) for i in range(clients)
    ]
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(LoadClient.sign_in, load_clients))
        list(pool.map(LoadClient.warm_up, load_clients))
        print(f"{clients} clients signed in and warmed up; running for {seconds:g} s …", flush=True)
        recorder.measuring = True
        cpu_before = _cpu_now(stack)
        started = time.monotonic()
        deadline = started + seconds
        futures = [pool.submit(client.run_until, deadline) for client in load_clients]
        for future in futures:
            future.result()
    wall = time.monotonic() - started
    cpu_after = _cpu_now(stack)
    return wall, {name: cpu_after[name] - cpu_before[name] for name in cpu_before}


def _cpu_now(stack: dict) -> dict[str, float]:
    from bench.stack import cpu_seconds, machine_busy_seconds

    return {
        **cpu_seconds(stack),
        # This process alone (its client threads); gunicorn and Celery are its children.
        "load generator": time.process_time(),
        "whole machine": machine_busy_seconds(),
    }


def _drain(plans: list[TenantPlan], timeout: float = 180.0) -> dict:
    """Wait for the worker to send the customer e-mails the run's changes owe (informational:
    it tells whether one worker keeps up, not whether a write was lost)."""
    started = time.monotonic()
    while True:
        owed, sent = _customer_emails(plans)
        if sent == owed or time.monotonic() - started > timeout:
            return {"owed": owed, "sent": sent, "seconds": time.monotonic() - started}
        time.sleep(2)


def _customer_emails(plans: list[TenantPlan]) -> tuple[int, int]:
    from django.db.models import Count
    from django_scopes import scope

    from customers.models import CustomerEmail
    from helpdesk.models import Tenant

    owed = sent = 0
    for plan in plans:
        tenant = Tenant.objects.get(slug=plan.slug)
        with scope(tenant=tenant):
            counts = CustomerEmail.objects.filter(ticket__number__gt=plan.first_number).aggregate(
                owed=Count("pk"), sent=Count("sent_at")
            )
        owed += counts["owed"]
        sent += counts["sent"]
    return owed, sent


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def verify(plans: list[TenantPlan], recorder: Recorder, run_id: str) -> list[Check]:
    from django_scopes import scope

    from helpdesk.models import Tenant

    tickets, replies, numbering = [], [], []
    for plan in plans:
        with scope(tenant=Tenant.objects.get(slug=plan.slug)):
            tickets.append(_tickets_check(plan, recorder.tickets, run_id))
            replies.append(_replies_check(plan, recorder.replies, run_id))
            numbering.append(_numbering_check(plan))
    return [
        _combined("every accepted ticket is stored, once", tickets),
        _combined("every accepted reply is stored", replies),
        _combined("ticket numbers 1..N, no gap, no duplicate", numbering),
        _repeated_keys_check(recorder),
        _server_errors_check(recorder),
        _statuses_check(recorder),
    ]


def _combined(name: str, per_tenant: list[Check]) -> Check:
    return Check(name, all(c.passed for c in per_tenant), "; ".join(c.detail for c in per_tenant))


def _tickets_check(plan: TenantPlan, accepted: list[AcceptedTicket], run_id: str) -> Check:
    """Each accepted request made one ticket, under the number the client was given, and no
    request made one the client was not told about. Precondition: the tenant scope is active."""
    from tickets.models import Ticket

    mine = [t for t in accepted if t.slug == plan.slug]
    stored: dict[str, set[int]] = {}  # subject (unique to one request) → numbers
    rows = Ticket.objects.filter(subject__contains=f"[{run_id}-").values_list("subject", "number")
    for subject, number in rows:
        stored.setdefault(subject, set()).add(number)
    missing = [t for t in mine if t.number not in stored.get(t.subject, set()) | {None}]
    missing += [t for t in mine if t.number is None and t.subject not in stored]
    twice = [subject for subject, numbers in stored.items() if len(numbers) > 1]
    unknown = set(stored) - {t.subject for t in mine}
    detail = f"{plan.slug}: {len(mine) - len(missing)} of {len(mine)} found"
    if missing:
        detail += f" (missing or renumbered: {', '.join(t.subject for t in missing[:5])})"
    if twice:
        detail += f", {len(twice)} requests made two tickets ({', '.join(twice[:5])})"
    if unknown:
        detail += f", {len(unknown)} tickets no client was told of"
    return Check(plan.slug, not (missing or twice or unknown), detail)


def _replies_check(plan: TenantPlan, accepted: list[AcceptedReply], run_id: str) -> Check:
    """Precondition: the plan's tenant scope is active."""
    from tickets.models import Message

    mine = [r for r in accepted if r.slug == plan.slug]
    stored = set(
        Message.objects.filter(body__contains=f"[{run_id}-").values_list(
            "ticket__number", "body", "kind"
        )
    )
    missing = [r for r in mine if (r.number, r.body, r.kind) not in stored]
    detail = f"{plan.slug}: {len(mine) - len(missing)} of {len(mine)} found"
    if missing:
        detail += f" (missing: {', '.join(f'#{r.number}' for r in missing[:5])})"
    return Check(plan.slug, not missing, detail)


def _numbering_check(plan: TenantPlan) -> Check:
    """Precondition: the plan's tenant scope is active."""
    from tickets.models import Ticket, TicketCounter

    numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    counter = TicketCounter.objects.get().last_number
    gap_free = numbers == list(range(1, len(numbers) + 1)) and counter == len(numbers)
    detail = (
        f"{plan.slug}: {len(numbers)} tickets, counter {counter}, "
        f"{counter - plan.first_number} numbered in the run"
    )
    if not gap_free:
        duplicates = len(numbers) - len(set(numbers))
        holes = sorted(set(range(1, counter + 1)) - set(numbers))[:10]
        detail += f" — duplicates {duplicates}, first missing {holes}"
    return Check(plan.slug, gap_free, detail)


def _repeated_keys_check(recorder: Recorder) -> Check:
    """Of two creates sent at once with one Idempotency-Key, one must be the other's replay."""
    sent, replayed = sum(recorder.repeated_keys.values()), recorder.repeated_keys[True]
    return Check(
        "a key sent twice at once made one ticket",
        sent == replayed,
        f"{sent} pairs, {replayed} answered once and replayed once",
    )


def _server_errors_check(recorder: Recorder) -> Check:
    statuses = sum((op.statuses for op in recorder.operations.values()), recorder.warm_up.statuses)
    errors = sum(n for status, n in statuses.items() if status >= 500)
    dropped = statuses[0]
    return Check(
        "no 5xx and no dropped connection",
        errors == 0 and dropped == 0,
        f"{errors} responses 5xx, {dropped} connections failed",
    )


def _statuses_check(recorder: Recorder) -> Check:
    operations = {**recorder.operations, "warm-up": recorder.warm_up}
    unexpected = {label: op.unexpected for label, op in operations.items() if op.unexpected}
    detail = ", ".join(f"{label}: {n}" for label, n in unexpected.items()) or "none"
    return Check("every response had the expected status", not unexpected, detail)


# --- report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The measured window: what was asked, how long it took, what it cost the machine."""

    seconds: float
    clients: int
    wall: float
    cpu: dict[str, float]  # CPU seconds used in the window, by process tree
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def _report(recorder: Recorder, checks: list[Check], drain: dict, window: Window) -> str:
    from bench.api_bench import _load

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    wall = window.wall
    lines = [
        f"Measured {when}: {window.clients} concurrent clients for {window.seconds:g} s (wall "
        f"{wall:.1f} s), mix {', '.join(f'{k} {v}' for k, v in WEIGHTS.items())}; gunicorn 4 "
        f"sync workers{_gunicorn_extra()}, 1 Celery worker × 2 + beat (Redis db 10), PostgreSQL; "
        f"{os.cpu_count()} CPUs; load average (1/5/15 min) {_load(window.load_before)} before, "
        f"{_load(window.load_after)} after. "
        f"Raised: {', '.join(f'{k}={v}' for k, v in RAISED_LIMITS.items())}.",
        "",
        "| request | count | req/s | p50 ms | p95 ms | p99 ms | max ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    everything = []
    for label, op in recorder.operations.items():
        everything += op.timings_ms
        lines.append(_row(label, op.timings_ms, wall, op.statuses))
    total = sum((op.statuses for op in recorder.operations.values()), Counter())
    lines.append(_row("**all**", everything, wall, total))
    warm_up = recorder.warm_up.statuses
    lines += [
        "",
        _cpu_line(window, len(everything)),
        f"Before the window, {sum(warm_up.values())} warm-up requests (one of each kind per "
        f"client; not in the table): {_statuses(warm_up)}.",
        f"Accepted: {len(recorder.tickets)} tickets "
        f"({sum(t.number is None for t in recorder.tickets)} without a number seen), "
        f"{len(recorder.replies)} replies and notes.",
        f"Customer e-mails the run's tickets owe: {drain['sent']} of {drain['owed']} sent "
        f"by the worker {drain['seconds']:.0f} s after the load stopped.",
        "",
        *(f"- {'PASS' if c.passed else 'FAIL'}: {c.name} — {c.detail}" for c in checks),
    ]
    return "\n".join(lines) + "\n"


def _gunicorn_extra() -> str:
    extra = os.environ.get("GUNICORN_CMD_ARGS", "")  # gunicorn reads it: say what it changed
    return f" (GUNICORN_CMD_ARGS={extra!r})" if extra else ""


def _row(label: str, timings: list[float], wall: float, statuses: Counter) -> str:
    if not timings:
        return f"| {label} | 0 | | | | | | |"
    codes = _statuses(statuses)
    return (
        f"| {label} | {len(timings)} | {len(timings) / wall:.1f} | {percentile(timings, 0.5):.0f} "
        f"| {percentile(timings, 0.95):.0f} | {percentile(timings, 0.99):.0f} "
        f"| {max(timings):.0f} | {codes} |"
    )


def _statuses(statuses: Counter) -> str:
    return ", ".join(f"{status or 'failed'}×{n}" for status, n in sorted(statuses.items()))


def _cpu_line(window: Window, requests: int) -> str:
    cpu = window.cpu
    per_request = cpu["gunicorn"] / requests * 1000 if requests else float("nan")
    return (
        f"CPU used in the window: gunicorn {cpu['gunicorn']:.0f} s ({per_request:.0f} ms per "
        f"request), Celery worker {cpu['Celery worker']:.0f} s, load generator "
        f"{cpu['load generator']:.0f} s; the whole machine {cpu['whole machine']:.0f} s of the "
        f"{(os.cpu_count() or 1) * window.wall:.0f} s its {os.cpu_count()} cores had (the rest "
        "of it: PostgreSQL and everything else running)."
    )
