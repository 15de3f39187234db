"""The SLA benchmark's data set: 1,000,000 open tickets across 100 tenants, each with its SLA row.

Tenants, people, teams and customers (a few thousand rows) go through the real services
(``tenant_create`` seeds tiers, calendars and the default SLA policies); the 1,000,000 tickets
and their ``sla_ticketsla`` rows go in with ``INSERT … SELECT generate_series`` and a seeded
``random()``, in one transaction, like ``bench/load_data.py``. The load skips itself when the
set is there.

Every ticket is active (new / open / on hold) and green, with ``next_check_at`` spread over
the next 1 hour to 7 days, so the sweeper's partial index holds all 1,000,000 rows. Those
rows' deadlines are synthetic: the sweeper reads only ``next_check_at`` and never reaches them
during a run.

Every 100th ticket of each tenant (10,000 in all) is an **urgent** ticket that nobody has
answered yet. ``arm()`` (run before each measurement) gives those tickets a ``created_at`` such
that their real first-response warning, as ``sla.deadlines`` computes it under the tenant's
seeded Urgent policy (24×7, 30 min, amber at 75 %), falls inside one minute a little in the
future, and stores the matching SLA row (``next_check_at`` = that warning). When the minute
comes, the real sweeper's ``sla_refresh`` records a real ``Escalation`` for each.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django_scopes import scope

from helpdesk.tenancy import across_tenants

SLUG_PREFIX = "sla-bench-"
TENANTS = 100
TICKETS_PER_TENANT = 10_000
DUE_EVERY = 100  # every 100th ticket of a tenant comes due: 100 per tenant, 10,000 in all
CUSTOMERS_PER_TENANT = 200
AGENTS_PER_TENANT = 4
DUE_WINDOW_SECONDS = 60  # the 10,000 due times are spread evenly over one minute
TOTAL_TICKETS = TENANTS * TICKETS_PER_TENANT
TOTAL_DUE = TENANTS * (TICKETS_PER_TENANT // DUE_EVERY)


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    seconds: float
    tickets: int


@dataclass(frozen=True)
class Armed:
    window_start: datetime  # the first due time
    window_end: datetime  # the last due time
    warning_offset: timedelta  # creation → first-response warning under the Urgent policy
    due: int


def bench_ticket_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(c.last_number), 0) FROM tickets_ticketcounter c"
            " JOIN helpdesk_tenant t ON t.id = c.tenant_id WHERE t.slug LIKE %s",
            [SLUG_PREFIX + "%"],
        )
        return int(cursor.fetchone()[0])


def load() -> LoadResult:
    """Load the set unless it is already there; then VACUUM ANALYZE. Idempotent."""
    present = bench_ticket_count()
    if present == TOTAL_TICKETS:
        return LoadResult(loaded=False, seconds=0.0, tickets=present)
    if present:
        raise RuntimeError(
            f"Found {present} SLA bench tickets, expected 0 or {TOTAL_TICKETS}; "
            "drop the SLA bench database and run again."
        )
    started = time.monotonic()
    with transaction.atomic():
        step_started = time.monotonic()
        params = _tenants_and_people()
        print(f"  {'tenants, people, customers':<28} {time.monotonic() - step_started:7.1f} s")
        with connection.cursor() as cursor:
            for step, sql in STEPS:
                step_started = time.monotonic()
                cursor.execute(sql, params)
                print(f"  {step:<28} {time.monotonic() - step_started:7.1f} s", flush=True)
    _vacuum_analyze()
    return LoadResult(loaded=True, seconds=time.monotonic() - started, tickets=TOTAL_TICKETS)


def _tenants_and_people() -> dict:
    from customers.models import Customer, Tier
    from helpdesk.models import Role
    from helpdesk.services import membership_create, team_create, tenant_create
    from sla.models import SlaPolicy

    tenant_ids, urgent_ids, standard_ids, team_ids, agent_ids = [], [], [], [], []
    for idx in range(TENANTS):
        slug = f"{SLUG_PREFIX}{idx:03d}"
        domain = f"{slug}.bench.test"
        tenant, _admin = tenant_create(
            slug=slug,
            name=f"SLA bench {idx:03d}",
            admin_email=f"admin@{domain}",
            admin_password=None,
        )
        with scope(tenant=tenant):
            membership_create(tenant=tenant, email=f"manager@{domain}", role=Role.MANAGER)
            lead = membership_create(tenant=tenant, email=f"lead@{domain}", role=Role.TEAM_LEAD)
            agents = [
                membership_create(tenant=tenant, email=f"agent{i:02d}@{domain}", role=Role.AGENT)
                for i in range(1, AGENTS_PER_TENANT + 1)
            ]
            team = team_create(tenant=tenant, name="售后维修部", lead=lead, members=agents)
            tiers = {tier.code: tier for tier in Tier.objects.all()}
            shares = ["vip"] + ["important"] * 2 + ["regular"] * 12 + [None] * 5
            Customer.objects.bulk_create(
                Customer(
                    tenant=tenant,
                    name=f"客户 {n}",
                    email=f"customer{n}@{slug}.example.com",
                    tier=tiers.get(shares[n % len(shares)]),
                )
                for n in range(CUSTOMERS_PER_TENANT)
            )
            policies = list(SlaPolicy.objects.order_by("position", "pk"))
        tenant_ids.append(tenant.pk)
        urgent_ids.append(next(p.pk for p in policies if "urgent" in (p.priorities or [])))
        standard_ids.append(policies[-1].pk)  # the catch-all, last in order
        team_ids.append(team.pk)
        agent_ids.extend(a.pk for a in agents)
    return {
        "tenant_ids": tenant_ids,
        "urgent_ids": urgent_ids,
        "standard_ids": standard_ids,
        "team_ids": team_ids,
        "agent_ids": agent_ids,
        "agents_per_tenant": AGENTS_PER_TENANT,
        "per_tenant": TICKETS_PER_TENANT,
        "due_every": DUE_EVERY,
    }


def _vacuum_analyze() -> None:
    tables = (
        "helpdesk_tenant helpdesk_user helpdesk_membership helpdesk_team customers_customer"
        " sla_slapolicy sla_calendar tickets_ticket tickets_ticketcounter sla_ticketsla"
        " sla_escalation helpdesk_notification tickets_ticketevent"
    )
    with connection.cursor() as cursor:
        for table in tables.split():
            cursor.execute(f"VACUUM (ANALYZE) {table}")


STEPS: tuple[tuple[str, str], ...] = (
    (
        "seed",
        "SELECT setseed(0.5), set_config('max_parallel_workers_per_gather', '0', true),"
        " cardinality(%(tenant_ids)s::bigint[])",
    ),
    (
        "ticket draws",
        """
        CREATE TEMP TABLE slab_tenant ON COMMIT DROP AS
        SELECT k - 1 AS idx, (%(tenant_ids)s::bigint[])[k] AS tenant_id,
               (%(urgent_ids)s::bigint[])[k] AS urgent_policy_id,
               (%(standard_ids)s::bigint[])[k] AS standard_policy_id,
               (%(team_ids)s::bigint[])[k] AS team_id
        FROM generate_series(1, cardinality(%(tenant_ids)s::bigint[])) AS k;

        CREATE TEMP TABLE slab_customer ON COMMIT DROP AS
        SELECT tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) - 1 AS cust_idx,
               id AS customer_id, count(*) OVER (PARTITION BY tenant_id) AS n_customers
        FROM customers_customer WHERE tenant_id IN (SELECT tenant_id FROM slab_tenant);
        CREATE INDEX ON slab_customer (tenant_id, cust_idx);
        ANALYZE slab_customer;

        CREATE TEMP TABLE slab_draw ON COMMIT DROP AS
        SELECT b.*, g.n AS number, g.n %% %(due_every)s = 0 AS due,
               random() AS r_status, random() AS r_priority, random() AS r_cust,
               random() AS r_agent, random() AS r_time, random() AS r_check
        FROM slab_tenant b CROSS JOIN generate_series(1, %(per_tenant)s) AS g(n);
        """,
    ),
    (
        "tickets",
        # Due tickets get placeholder times here; arm() sets the real ones before each run.
        """
        INSERT INTO tickets_ticket (tenant_id, number, subject, description, status, priority,
            channel, category_id, customer_id, assignee_id, team_id, product_model,
            fault_symptom, caller, created_at, updated_at, first_responded_at, reopened_count,
            last_customer_reply_at, last_agent_reply_at)
        SELECT d.tenant_id, d.number,
               CASE WHEN d.due THEN '紧急：洗衣机漏水 Urgent: washing machine leaking'
                    ELSE '洗衣机噪音很大 Washing machine very noisy' END,
               '客户来电反映问题。', x.status,
               CASE WHEN d.due THEN 'urgent' WHEN d.r_priority < 0.25 THEN 'low'
                    WHEN d.r_priority < 0.80 THEN 'normal' ELSE 'high' END,
               'phone', NULL, c.customer_id,
               -- a fifth of the due tickets are unassigned, so their warning goes to the lead
               CASE WHEN d.due AND d.r_agent < 0.2 THEN NULL
                    ELSE (%(agent_ids)s::bigint[])[d.idx * %(agents_per_tenant)s + 1
                         + floor(d.r_agent * %(agents_per_tenant)s)::int] END,
               d.team_id, 'XQB-' || lpad((d.number %% 10000)::text, 4, '0'), '', '',
               x.created_at, x.created_at, x.responded_at, 0, x.created_at, x.responded_at
        FROM slab_draw d
        CROSS JOIN LATERAL (
            SELECT CASE WHEN d.due THEN 'new' WHEN d.r_status < 0.3 THEN 'new'
                        WHEN d.r_status < 0.9 THEN 'open' ELSE 'on_hold' END AS status,
                   now() - interval '1 day' - d.r_time * interval '2 hours' AS created_at
        ) AS s
        CROSS JOIN LATERAL (
            SELECT s.status, s.created_at,
                   CASE WHEN s.status <> 'new' THEN s.created_at + interval '10 minutes'
                        END AS responded_at
        ) AS x
        JOIN slab_customer c ON c.tenant_id = d.tenant_id
             AND c.cust_idx = floor(d.r_cust * c.n_customers)::int
        ORDER BY d.tenant_id, d.number;

        INSERT INTO tickets_ticketcounter (tenant_id, last_number)
        SELECT tenant_id, %(per_tenant)s FROM slab_tenant;
        """,
    ),
    (
        "ticket SLA rows",
        """
        INSERT INTO sla_ticketsla (tenant_id, ticket_id, policy_id, first_response_due_at,
            next_response_due_at, resolution_due_at, next_response_started_at,
            resolution_started_at, next_response_cycle, resolution_cycle, paused_seconds, colour,
            next_deadline_at, next_check_at, is_escalated, updated_at)
        SELECT t.tenant_id, t.id,
               CASE WHEN d.due THEN b.urgent_policy_id ELSE b.standard_policy_id END,
               t.created_at + interval '1 hour', NULL, y.check_at + interval '6 hours', NULL,
               t.created_at, 0, 0, 0, 'green', y.check_at + interval '3 hours', y.check_at,
               false, now()
        FROM tickets_ticket t
        JOIN slab_draw d ON d.tenant_id = t.tenant_id AND d.number = t.number
        JOIN slab_tenant b ON b.tenant_id = t.tenant_id
        CROSS JOIN LATERAL (
            SELECT now() + CASE WHEN d.due THEN interval '30 days'
                                ELSE interval '1 hour' + d.r_check * interval '7 days' END
                   AS check_at
        ) AS y
        ORDER BY t.id;
        """,
    ),
)


def arm(*, lead_seconds: float) -> Armed:
    """Make the 10,000 due tickets come due in one minute starting ``lead_seconds`` from now.

    Clears what an earlier run recorded (escalations, SLA events, notifications: this database
    holds nothing else of the kind), gives each due ticket a ``created_at`` so that its real
    first-response warning — computed here with ``sla.deadlines`` under its tenant's Urgent
    policy — falls in the window, and stores the SLA row the service would store for it. Also
    pushes any other row whose next check has come near (a rerun days later) back out by a
    week, so nothing else comes due during the run.
    """
    from sla import deadlines as dl
    from sla.models import SlaPolicy
    from sla.services import schedule_for, targets_of

    with across_tenants():
        urgent = [
            p
            for p in SlaPolicy.objects.filter(
                tenant__slug__startswith=SLUG_PREFIX, is_active=True
            ).select_related("calendar")
            if "urgent" in (p.priorities or [])
        ]
        offsets = set()
        for policy in urgent:
            if not policy.calendar.is_24x7:
                raise RuntimeError(f"policy {policy.pk}: the bench expects the seeded 24×7 Urgent")
            probe = datetime(2026, 1, 1, tzinfo=UTC)
            computed = dl.compute(
                targets_of(policy), schedule_for(policy.calendar), dl.Clock(created_at=probe)
            )
            warning = next(
                cp.at
                for cp in computed.checkpoints
                if (cp.target, cp.level) == (dl.FIRST_RESPONSE, dl.WARNING)
            )
            offsets.add(
                (
                    warning - probe,
                    computed.first_response_due_at - probe,
                    computed.resolution_due_at - probe,
                )
            )
    if len(offsets) != 1:
        raise RuntimeError(f"expected one Urgent policy shape across tenants, got {offsets}")
    warning_offset, first_response, resolution = offsets.pop()
    start = datetime.now(tz=UTC).replace(microsecond=0) + timedelta(seconds=lead_seconds)
    step = timedelta(seconds=DUE_WINDOW_SECONDS) / TOTAL_DUE
    params = {
        "prefix": SLUG_PREFIX + "%",
        "start": start,
        "step": step,
        "warning": warning_offset,
        "first_response": first_response,
        "resolution": resolution,
        "due_every": DUE_EVERY,
        "tenants": TENANTS,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ARM_SQL, params)
        cursor.execute(
            "SELECT min(s.next_check_at), max(s.next_check_at), count(*) FROM sla_ticketsla s"
            " JOIN tickets_ticket t ON t.id = s.ticket_id WHERE t.number %% %(due_every)s = 0",
            params,
        )
        first, last, count = cursor.fetchone()
    with connection.cursor() as cursor:
        for table in ("sla_ticketsla", "tickets_ticket", "sla_escalation", "helpdesk_notification"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return Armed(window_start=first, window_end=last, warning_offset=warning_offset, due=count)


ARM_SQL = """
DELETE FROM sla_escalation;
DELETE FROM helpdesk_notification;
DELETE FROM tickets_ticketevent WHERE actor_label = 'SLA';
DELETE FROM sla_pausespan;

CREATE TEMP TABLE slab_due ON COMMIT DROP AS
SELECT t.id AS ticket_id, p.id AS policy_id,
       %(start)s::timestamptz
         + ((t.number / %(due_every)s - 1) * %(tenants)s + k.idx) * %(step)s::interval
         - %(warning)s::interval AS created_at
FROM tickets_ticket t
JOIN (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS idx FROM helpdesk_tenant
      WHERE slug LIKE %(prefix)s) AS k ON k.id = t.tenant_id
JOIN sla_slapolicy p ON p.tenant_id = t.tenant_id AND p.priorities @> '["urgent"]'::jsonb
                    AND p.is_active
WHERE t.number %% %(due_every)s = 0;

UPDATE tickets_ticket t
SET created_at = d.created_at, updated_at = d.created_at, last_customer_reply_at = d.created_at,
    status = 'new', priority = 'urgent', first_responded_at = NULL, last_agent_reply_at = NULL,
    resolved_at = NULL, closed_at = NULL, reopened_count = 0
FROM slab_due d WHERE t.id = d.ticket_id;

UPDATE sla_ticketsla s
SET policy_id = d.policy_id, colour = 'green', is_escalated = false,
    first_response_due_at = d.created_at + %(first_response)s::interval,
    next_response_due_at = NULL, next_response_started_at = NULL, next_response_cycle = 0,
    resolution_due_at = d.created_at + %(resolution)s::interval,
    resolution_started_at = d.created_at, resolution_cycle = 0,
    first_response_breached_at = NULL, next_response_breached_at = NULL,
    resolution_breached_at = NULL, paused_since = NULL, paused_seconds = 0,
    next_deadline_at = d.created_at + %(first_response)s::interval,
    next_check_at = d.created_at + %(warning)s::interval, updated_at = now()
FROM slab_due d WHERE s.ticket_id = d.ticket_id;

UPDATE sla_ticketsla s
SET next_check_at = now() + interval '1 hour' + (s.id %% 1000) * interval '10 minutes'
WHERE s.next_check_at < now() + interval '1 hour'
  AND s.ticket_id NOT IN (SELECT ticket_id FROM slab_due);
"""
