"""``python -m bench --only units``: the installed base at 1,000,000 units.

1. Unit lookup by serial (``products.selectors.unit_find_by_serial``) and by the owner's phone
   number (``products.selectors.units_find_by_phone``): ``--lookups`` calls each on random
   existing serials and phones of random tenants, typed as a caller would (lower case,
   ``+86`` in front), inside the tenant's scope; each call is timed end to end in Python
   (normalising, the scope's ``set_config`` when the tenant changes, the query, building the
   model instances). Median, p95 and p99, then ``EXPLAIN (ANALYZE, BUFFERS)`` of the exact SQL
   one lookup of each sent. Beside them, ``SELECT 1`` timed the same way: the floor a busy
   machine puts under every query. Target: under 2 ms.
2. The agent's ticket page about a unit, with 200 history entries and with 10 (messages with
   their authors and attachments, and as many audit events), requested in-process through
   ``django.test.Client`` by a signed-in agent on the tenant's host: the query count of each
   (they must be equal) and the median of ``--page-requests`` requests each, interleaved.

Its own database: ``UNITS_BENCH_DATABASE_URL``, else
postgres://postgres@127.0.0.1:5432/helpdesk_bench_units (created when missing; loaded once).
"""

import math
import random
import statistics
import time
from datetime import date, timedelta

PAGE_SLUG = "unitpage"
PAGE_AGENT_EMAIL = "agent@unitpage.bench.test"
HISTORY_LENGTHS = (10, 200)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run(*, lookups: int, page_requests: int) -> int:
    _print_machine()
    failures = _lookups(lookups) + _ticket_page(page_requests)
    return 1 if failures else 0


def _print_machine() -> None:
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().strip()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}  load average: {load}", flush=True)


# --- lookups -------------------------------------------------------------------------------------


def _samples(count: int) -> list[tuple[int, str, str]]:
    """``count`` random existing units of the bench tenants: (tenant id, serial, owner's
    phone as stored)."""
    from django.db import connection

    from bench.units_load import SLUG_PREFIX

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.tenant_id, u.serial, c.phone FROM products_unit u"
            " TABLESAMPLE BERNOULLI (1) REPEATABLE (42)"
            " JOIN customers_customer c ON c.id = u.customer_id"
            " JOIN helpdesk_tenant t ON t.id = u.tenant_id WHERE t.slug LIKE %s",
            [SLUG_PREFIX + "%"],
        )
        rows = cursor.fetchall()
    random.Random(7).shuffle(rows)  # noqa: S311 - a sample to measure, not a secret
    return rows[:count]


def _as_typed(phone: str, n: int) -> str:
    """The number as a caller gives it: with the country code, bare, or with dashes."""
    digits = "".join(char for char in phone if char.isdigit()).removeprefix("86")
    return ("+86 " + digits, digits, f"0086-{digits[:3]}-{digits[3:]}")[n % 3]


def _lookups(count: int) -> int:
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope

    from helpdesk.models import Tenant
    from products.selectors import unit_find_by_serial, units_find_by_phone

    samples = _samples(count)
    tenants = Tenant.objects.in_bulk({tenant_id for tenant_id, _, _ in samples})
    timings = {"unit_find_by_serial": ([], []), "units_find_by_phone": ([], [])}
    misses = 0
    for n, (tenant_id, serial, phone) in enumerate(samples):
        with scope(tenant=tenants[tenant_id]):
            # Typed as callers do: lower case and spaces; +86, 0086 or nothing in front.
            unit = _timed(
                timings["unit_find_by_serial"],
                lambda typed: unit_find_by_serial(serial=typed),
                f" {serial.lower()} ",
            )
            units = _timed(
                timings["units_find_by_phone"],
                lambda typed: list(units_find_by_phone(phone=typed)),
                _as_typed(phone, n),
            )
        misses += unit is None or unit.serial != serial or unit not in units
    timings["SELECT 1 (the floor)"] = _round_trips(len(samples))
    print(f"\nUnit lookups: {len(samples)} each, random tenants, inside the tenant scope")
    print(f"  {'':<24} {'wall time (ms)':^26}   {'CPU of this process (ms)':^26}")
    print(f"  {'':<24} {'median':>8} {'p95':>8} {'p99':>8}   {'median':>8} {'p95':>8} {'p99':>8}")
    for name, (wall, cpu) in timings.items():
        print(f"  {name:<24} {_figures(wall)}   {_figures(cpu)}")
    print(f"  wrong or missing results: {misses}", flush=True)
    tenant_id, serial, phone = samples[0]
    with scope(tenant=tenants[tenant_id]):
        for name, call in (
            ("unit_find_by_serial", lambda: unit_find_by_serial(serial=serial)),
            ("units_find_by_phone", lambda: list(units_find_by_phone(phone=_as_typed(phone, 0)))),
        ):
            with CaptureQueriesContext(_connection()) as queries:
                call()
            _explain(name, queries.captured_queries[-1]["sql"])
    return misses


def _timed(into: tuple[list[float], list[float]], call, argument):
    """Call, and append its wall time and this thread's CPU time (what the call costs here,
    without the waits for the database and for a turn on a busy CPU) in ms."""
    wall_started, cpu_started = time.perf_counter(), time.thread_time()
    result = call(argument)
    into[1].append((time.thread_time() - cpu_started) * 1000)
    into[0].append((time.perf_counter() - wall_started) * 1000)
    return result


def _figures(values: list[float]) -> str:
    return (
        f"{statistics.median(values):8.3f} {percentile(values, 0.95):8.3f}"
        f" {percentile(values, 0.99):8.3f}"
    )


def _round_trips(count: int) -> tuple[list[float], list[float]]:
    """A trivial query's round trip on the same connection, timed the same way: what the
    machine's load and the client library cost before any lookup work."""
    timings = ([], [])
    with _connection().cursor() as cursor:
        for _ in range(count):
            _timed(timings, lambda sql: cursor.execute(sql).fetchone(), "SELECT 1")
    return timings


def _connection():
    from django.db import connection

    return connection


def _explain(name: str, sql: str) -> None:
    with _connection().cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) {name}:\n  {sql}")
    print("\n".join(f"    {line}" for line in plan), flush=True)


# --- the ticket page -----------------------------------------------------------------------------


def _page_fixture():
    """A tenant with an agent, a product, a unit and one ticket about it per history length
    (created once, found again on later runs). Returns (tenant, agent, {length: number})."""
    from django.db import transaction
    from django_scopes import scope

    from helpdesk.models import Membership, Role, Tenant
    from helpdesk.services import membership_create, tenant_create, tenant_seed_defaults
    from tickets.models import Ticket

    tenant = Tenant.objects.filter(slug=PAGE_SLUG).first()
    if tenant is None:
        with transaction.atomic():
            tenant, admin = tenant_create(
                slug=PAGE_SLUG,
                name="Unit page bench",
                admin_email="admin@unitpage.bench.test",
                admin_password=None,
            )
            with scope(tenant=tenant):
                tenant_seed_defaults(tenant)
                membership_create(tenant=tenant, email=PAGE_AGENT_EMAIL, role=Role.AGENT)
                _page_tickets(tenant, admin)
    with scope(tenant=tenant):
        agent = Membership.objects.select_related("user").get(user__email=PAGE_AGENT_EMAIL)
        numbers = {
            length: Ticket.objects.get(subject=f"Drum squeaks ({length} entries)").number
            for length in HISTORY_LENGTHS
        }
    return tenant, agent, numbers


def _page_tickets(tenant, admin) -> None:
    from customers.services import customer_create
    from products.services import product_create, unit_register
    from tickets.services import ticket_create

    washer = product_create(
        tenant=tenant, actor=admin, model_code="WM-800", name="Washer", warranty_months=24
    )
    owner = customer_create(tenant=tenant, name="李雷", phone="+86 138 0013 8000")
    unit = unit_register(
        tenant=tenant,
        actor=admin,
        serial="WM-8000001",
        product=washer,
        customer=owner,
        purchased_on=date.today() - timedelta(days=200),
    )
    for length in HISTORY_LENGTHS:
        ticket = ticket_create(
            tenant=tenant,
            customer=owner,
            subject=f"Drum squeaks ({length} entries)",
            description="The drum squeaks when spinning.",
            unit=unit,
            actor=admin,
        )
        _history(tenant, ticket, admin, owner, length)


def _history(tenant, ticket, agent, customer, length: int) -> None:
    """``length`` messages (agent replies, customer messages, internal notes; every third with
    an attachment) and ``length`` audit events, as the page shows them."""
    from django.utils import timezone

    from tickets.models import Attachment, Message, MessageKind, TicketEvent

    start = timezone.now() - timedelta(days=30)
    kinds = (MessageKind.PUBLIC, MessageKind.PUBLIC, MessageKind.INTERNAL)
    messages = Message.objects.bulk_create(
        Message(
            tenant=tenant,
            ticket=ticket,
            kind=kinds[n % 3],
            author_member=None if n % 2 else agent,
            author_customer=customer if n % 2 else None,
            body=f"Message {n}: 滚筒还是有异响 / the drum still squeaks.",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(length)
    )
    Attachment.objects.bulk_create(
        Attachment(
            tenant=tenant,
            message=message,
            file=f"attachments/{tenant.pk}/photo{n}",
            original_name=f"photo{n}.jpg",
            content_type="image/jpeg",
            size_bytes=2048,
        )
        for n, message in enumerate(messages)
        if n % 3 == 0
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(
            tenant=tenant,
            ticket=ticket,
            actor=agent,
            actor_label=str(agent.user),
            action="changed",
            field="status",
            old_value="open" if n % 2 else "pending",
            new_value="pending" if n % 2 else "open",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(length)
    )


def _ticket_page(requests: int) -> int:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.sessions import sign_in

    tenant, agent, numbers = _page_fixture()
    client = Client(HTTP_HOST=f"{PAGE_SLUG}.localhost")
    sign_in(client, agent.user, tenant=tenant)
    paths = {length: f"/tickets/{number}/" for length, number in numbers.items()}
    queries, timings = {}, {length: ([], []) for length in paths}
    for length, path in paths.items():
        for _ in range(3):  # warm: templates, translations, per-process caches
            assert client.get(path).status_code == 200
        with CaptureQueriesContext(_connection()) as captured:
            client.get(path)
        queries[length] = len(captured)
    for _ in range(requests):  # interleaved, so a noisy neighbour hits both alike
        for length, path in paths.items():
            assert _timed(timings[length], client.get, path).status_code == 200
    print(f"\nTicket page with a unit (agent, in-process, {requests} requests each)")
    print(f"  {'history entries':<16} {'queries':>8}   {'wall ms: median':>15} {'p95':>6}   CPU ms")
    for length in paths:
        wall, cpu = timings[length]
        print(
            f"  {length:<16} {queries[length]:>8}   {statistics.median(wall):15.1f}"
            f" {percentile(wall, 0.95):6.1f}   {statistics.median(cpu):6.1f}"
        )
    flat = len(set(queries.values())) == 1
    print(f"  query count independent of history length: {'yes' if flat else 'NO'}", flush=True)
    return 0 if flat else 1
