"""Load the benchmark data set straight into the real tables with INSERT … SELECT.

1,000,000 tickets across 100 tenants: ``bench-big`` holds 500,000, the other 99 share the other
500,000. Going through the ORM (and ``ticket_create``) would take hours; PostgreSQL generates
the rows itself from ``generate_series`` and a seeded ``random()``, so the set is the same on
every machine. Everything is one transaction: the set is either fully there or not at all,
which is what makes "skip if loaded" a simple check.

Preconditions: PostgreSQL, migrated, no tenant slug starting with ``bench-`` except our own.
"""

import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

BIG_SLUG = "bench-big"
TENANTS = 100
BIG_TICKETS = 500_000
OTHER_TICKETS = 500_000
BIG_CUSTOMERS = 50_000
OTHER_CUSTOMERS = 1_000
TEAMS = ("售后维修部", "Billing", "物流配送", "Technical support", "投诉处理")
AGENTS_PER_TEAM = 4  # 20 agents per tenant, plus an admin and a manager
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account on a throwaway database
BENCH_AGENT_EMAIL = f"agent01@{BIG_SLUG}.bench.test"
BENCH_MANAGER_EMAIL = f"manager@{BIG_SLUG}.bench.test"

# (name, team index, is complaint); the first ones get most tickets (skewed draw below).
CATEGORIES = (
    ("故障报修 Repair request", 0, False),
    ("安装预约 Installation", 0, False),
    ("Invoice question", 1, False),
    ("退款 Refund", 1, False),
    ("Delivery delayed", 2, False),
    ("退换货 Return / exchange", 2, False),
    ("App / Wi-Fi pairing", 3, False),
    ("使用咨询 How-to", 3, False),
    ("Firmware", 3, False),
    ("服务投诉 Service complaint", 4, True),
    ("Product complaint", 4, True),
    ("其他 Other", 0, False),
)
TIERS = (  # code, name, rank, colour, is_vip, share of customers (cumulative)
    ("vip", "VIP", 10, "#b45309", True, 0.05),
    ("important", "重要 Important", 20, "#2563eb", False, 0.20),
    ("regular", "常规 Regular", 50, "#6b7280", False, 0.80),
    ("potential", "潜在 Potential", 80, "#9ca3af", False, 0.95),
)  # the last 5 % of customers have no tier
PRODUCTS_EN = (
    "Washing machine",
    "Refrigerator",
    "Air conditioner",
    "Dishwasher",
    "Microwave oven",
    "Water heater",
    "Smart TV",
    "Vacuum robot",
)
PROBLEMS_EN = (
    "leaking water",
    "not starting",
    "very noisy",
    "error code E4",
    "display broken",
    "not cooling",
    "invoice missing",
    "delivery delayed",
    "remote control lost",
    "installation appointment",
)
PRODUCTS_ZH = ("洗衣机", "冰箱", "空调", "洗碗机", "微波炉", "热水器", "智能电视", "扫地机器人")
PROBLEMS_ZH = (
    "漏水",
    "无法开机",
    "噪音很大",
    "显示故障代码E4",
    "屏幕损坏",
    "不制冷",
    "发票问题",
    "配送延迟",
    "遥控器丢失",
    "预约安装",
)
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "Smith", "Müller")
GIVEN_NAMES = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "Anna", "Tom")


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    seconds: float
    tickets: int


def bench_ticket_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(c.last_number), 0) FROM tickets_ticketcounter c"
            " JOIN helpdesk_tenant t ON t.id = c.tenant_id WHERE t.slug LIKE 'bench-%'"
        )
        return int(cursor.fetchone()[0])


def load(*, big_tickets: int = BIG_TICKETS, other_tickets: int = OTHER_TICKETS) -> LoadResult:
    """Load the set unless it is already there; then VACUUM ANALYZE. Idempotent.

    The sizes are parameters so the dashboard benchmark can load 1,000,000 tickets into
    ``bench-big`` in a database of its own (``bench.dashboard_bench``).
    """
    expected = big_tickets + other_tickets
    present = bench_ticket_count()
    if present == expected:
        return LoadResult(loaded=False, seconds=0.0, tickets=present)
    if present:
        raise RuntimeError(
            f"Found {present} bench tickets, expected 0 or {expected}; "
            "drop the bench database and run again."
        )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        for step, sql in STEPS:
            step_started = time.monotonic()
            cursor.execute(sql, _params(big_tickets, other_tickets))
            print(f"  {step:<28} {time.monotonic() - step_started:7.1f} s", flush=True)
    _vacuum_analyze()
    return LoadResult(loaded=True, seconds=time.monotonic() - started, tickets=expected)


def _vacuum_analyze() -> None:
    # VACUUM as well as ANALYZE: it sets the visibility map, so index-only scans work at once.
    tables = (
        "helpdesk_tenant helpdesk_user helpdesk_membership helpdesk_team helpdesk_team_members"
        " customers_tier customers_customer tickets_category tickets_ticket tickets_ticketcounter"
    )
    with connection.cursor() as cursor:
        for table in tables.split():
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _params(big_tickets: int = BIG_TICKETS, other_tickets: int = OTHER_TICKETS) -> dict:
    return {
        "big_slug": BIG_SLUG,
        "tenants": TENANTS,
        "big_tickets": big_tickets,
        "other_tickets": other_tickets,
        "big_customers": BIG_CUSTOMERS,
        "other_customers": OTHER_CUSTOMERS,
        "team_names": list(TEAMS),
        "agents_per_team": AGENTS_PER_TEAM,
        "known_password": make_password(PASSWORD),
        "known_emails": [BENCH_AGENT_EMAIL, BENCH_MANAGER_EMAIL],
        "cat_names": [c[0] for c in CATEGORIES],
        "cat_teams": [c[1] for c in CATEGORIES],
        "cat_complaint": [c[2] for c in CATEGORIES],
        "tier_codes": [t[0] for t in TIERS],
        "tier_names": [t[1] for t in TIERS],
        "tier_ranks": [t[2] for t in TIERS],
        "tier_colours": [t[3] for t in TIERS],
        "tier_vip": [t[4] for t in TIERS],
        "tier_cumulative": [t[5] for t in TIERS],
        "products_en": list(PRODUCTS_EN),
        "problems_en": list(PROBLEMS_EN),
        "products_zh": list(PRODUCTS_ZH),
        "problems_zh": list(PROBLEMS_ZH),
        "surnames": list(SURNAMES),
        "given_names": list(GIVEN_NAMES),
    }


# psycopg does not mind parameters a statement does not use, so every step gets them all.
# ``pick(arr, r)`` below is spelled out as arr[1 + floor(r * cardinality(arr))].
STEPS: tuple[tuple[str, str], ...] = (
    (
        "seed",
        "SELECT setseed(0.42), set_config('max_parallel_workers_per_gather', '0', true),"
        " cardinality(%(team_names)s::text[])",
    ),
    (
        "tenants",
        """
        INSERT INTO helpdesk_tenant (slug, name, time_zone, default_language,
            auto_close_after_days, is_active, created_at)
        SELECT CASE WHEN i = 0 THEN %(big_slug)s ELSE 'bench-' || lpad(i::text, 3, '0') END,
               CASE WHEN i = 0 THEN 'Bench Big 大型家电售后' ELSE 'Bench tenant ' || i END,
               'Asia/Shanghai', 'zh-hans', 7, true, now() - interval '3 years'
        FROM generate_series(0, %(tenants)s - 1) AS i;

        CREATE TEMP TABLE bench_tenant ON COMMIT DROP AS
        SELECT id AS tenant_id, slug, i AS idx,
               CASE WHEN i = 0 THEN %(big_tickets)s
                    ELSE %(other_tickets)s / (%(tenants)s - 1)
                         + (i <= %(other_tickets)s %% (%(tenants)s - 1))::int END AS n_tickets,
               CASE WHEN i = 0 THEN %(big_customers)s ELSE %(other_customers)s END AS n_customers
        FROM (SELECT id, slug,
                     CASE WHEN slug = %(big_slug)s THEN 0 ELSE substr(slug, 7)::int END AS i
              FROM helpdesk_tenant WHERE slug LIKE 'bench-%%') AS t;
        """,
    ),
    (
        "users and memberships",
        """
        CREATE TEMP TABLE bench_person ON COMMIT DROP AS
        SELECT t.tenant_id, p.idx,
               CASE WHEN p.idx = 0 THEN 'admin' WHEN p.idx = 1 THEN 'manager'
                    ELSE 'agent' END AS role,
               CASE WHEN p.idx = 0 THEN 'admin' WHEN p.idx = 1 THEN 'manager'
                    ELSE 'agent' || lpad((p.idx - 1)::text, 2, '0') END
                 || '@' || t.slug || '.bench.test' AS email,
               (%(surnames)s::text[])[1 + floor(random() * cardinality(%(surnames)s::text[]))]
                 || (%(given_names)s::text[])[1 + floor(random()
                    * cardinality(%(given_names)s::text[]))] AS full_name
        FROM bench_tenant t
        CROSS JOIN generate_series(0, 1 + cardinality(%(team_names)s::text[])
                                      * %(agents_per_team)s) AS p(idx);

        INSERT INTO helpdesk_user (password, is_superuser, email, full_name, language,
            is_active, is_staff, date_joined)
        SELECT CASE WHEN email = ANY(%(known_emails)s::text[]) THEN %(known_password)s
                    ELSE '!' END,
               false, email, full_name, '', true, false, now() - interval '2 years'
        FROM bench_person ORDER BY tenant_id, idx;

        INSERT INTO helpdesk_membership (role, certification_stage, is_active, created_at,
            user_id, tenant_id)
        SELECT p.role,
               CASE WHEN p.role = 'agent' AND (p.idx - 2) %% %(agents_per_team)s = 3
                    THEN 'trainee' ELSE 'certified' END,
               true, now() - interval '2 years', u.id, p.tenant_id
        FROM bench_person p JOIN helpdesk_user u ON u.email = p.email
        ORDER BY p.tenant_id, p.idx;

        CREATE TEMP TABLE bench_agent ON COMMIT DROP AS
        SELECT p.tenant_id, p.idx - 2 AS agent_idx,
               (p.idx - 2) / %(agents_per_team)s AS team_idx, m.id AS membership_id
        FROM bench_person p
        JOIN helpdesk_user u ON u.email = p.email
        JOIN helpdesk_membership m ON m.user_id = u.id AND m.tenant_id = p.tenant_id
        WHERE p.role = 'agent';
        CREATE INDEX ON bench_agent (tenant_id, agent_idx);
        ANALYZE bench_agent;
        """,
    ),
    (
        "teams, tiers, categories",
        """
        INSERT INTO helpdesk_team (name, lead_id, tenant_id)
        SELECT (%(team_names)s::text[])[a.team_idx + 1], a.membership_id, a.tenant_id
        FROM bench_agent a WHERE a.agent_idx %% %(agents_per_team)s = 0
        ORDER BY a.tenant_id, a.team_idx;

        CREATE TEMP TABLE bench_team ON COMMIT DROP AS
        SELECT t.tenant_id, array_position(%(team_names)s::text[], t.name::text) - 1 AS team_idx,
               t.id AS team_id
        FROM helpdesk_team t JOIN bench_tenant b ON b.tenant_id = t.tenant_id;

        INSERT INTO helpdesk_team_members (team_id, membership_id)
        SELECT t.team_id, a.membership_id
        FROM bench_agent a JOIN bench_team t USING (tenant_id, team_idx);

        INSERT INTO customers_tier (code, name, rank, colour, is_vip, tenant_id)
        SELECT (%(tier_codes)s::text[])[k], (%(tier_names)s::text[])[k],
               (%(tier_ranks)s::int[])[k], (%(tier_colours)s::text[])[k],
               (%(tier_vip)s::bool[])[k], b.tenant_id
        FROM bench_tenant b CROSS JOIN generate_series(1, cardinality(%(tier_codes)s::text[])) k
        ORDER BY b.tenant_id, k;

        INSERT INTO tickets_category (name, is_complaint, team_id, tenant_id)
        SELECT (%(cat_names)s::text[])[c], (%(cat_complaint)s::bool[])[c], t.team_id, b.tenant_id
        FROM bench_tenant b
        CROSS JOIN generate_series(1, cardinality(%(cat_names)s::text[])) AS c
        JOIN bench_team t ON t.tenant_id = b.tenant_id
                         AND t.team_idx = (%(cat_teams)s::int[])[c]
        ORDER BY b.tenant_id, c;

        CREATE TEMP TABLE bench_category ON COMMIT DROP AS
        SELECT c.tenant_id, array_position(%(cat_names)s::text[], c.name::text) - 1 AS cat_idx,
               c.id AS category_id, c.team_id,
               (%(cat_teams)s::int[])[array_position(%(cat_names)s::text[], c.name::text)]
                 AS team_idx
        FROM tickets_category c JOIN bench_tenant b ON b.tenant_id = c.tenant_id;
        CREATE INDEX ON bench_category (tenant_id, cat_idx);
        ANALYZE bench_category;
        """,
    ),
    (
        "customers",
        """
        INSERT INTO customers_customer (name, email, phone, key_info, notes,
            portal_sign_in_count, language, created_at, tenant_id, tier_id)
        SELECT d.full_name, 'customer' || d.n || '@' || replace(b.slug, 'bench-', 'client-')
                 || '.example.com',
               '13' || lpad((d.n * 7919 %% 1000000000)::text, 9, '0'),
               CASE WHEN d.r_tier < 0.02 THEN '老客户，曾投诉过两次，请优先处理。' ELSE '' END,
               '', 0,
               CASE WHEN d.r_lang < 0.7 THEN 'zh-hans' ELSE 'en' END,
               now() - interval '3 years' + d.n * interval '1 minute', b.tenant_id, tr.id
        FROM bench_tenant b
        CROSS JOIN LATERAL (
            SELECT n, random() AS r_tier, random() AS r_lang,
                   (%(surnames)s::text[])[1 + floor(random()
                       * cardinality(%(surnames)s::text[]))]
                   || (%(given_names)s::text[])[1 + floor(random()
                       * cardinality(%(given_names)s::text[]))] AS full_name
            FROM generate_series(0, b.n_customers - 1) AS n
        ) AS d
        LEFT JOIN customers_tier tr ON tr.tenant_id = b.tenant_id
             AND tr.code = (%(tier_codes)s::text[])[
                 (SELECT min(k) FROM generate_subscripts(%(tier_cumulative)s::float8[], 1) k
                  WHERE d.r_tier < (%(tier_cumulative)s::float8[])[k])]
        ORDER BY b.tenant_id, d.n;

        CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
        SELECT tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) - 1 AS cust_idx,
               id AS customer_id
        FROM customers_customer WHERE tenant_id IN (SELECT tenant_id FROM bench_tenant);
        CREATE INDEX ON bench_customer (tenant_id, cust_idx);
        ANALYZE bench_customer;
        """,
    ),
    (
        "ticket draws",
        # age: 0 = newest, 1 = two years old; numbers follow creation order as in real life.
        """
        CREATE TEMP TABLE bench_draw ON COMMIT DROP AS
        SELECT b.tenant_id, b.n_customers, g.n AS number,
               1.0 - g.n::float8 / b.n_tickets AS age,
               random() AS r_active, random() AS r_status, random() AS r_priority,
               random() AS r_channel, random() AS r_cat, random() AS r_cust, random() AS r_agent,
               random() AS r_assign, random() AS r_prod, random() AS r_prob, random() AS r_model,
               random() AS r_lang, random() AS r_time
        FROM bench_tenant b CROSS JOIN generate_series(1, b.n_tickets) AS g(n);

        -- Recent tickets are mostly still being worked on; about 30 %% are active overall.
        CREATE TEMP TABLE bench_shape ON COMMIT DROP AS
        SELECT d.*,
               CASE WHEN d.r_active < CASE WHEN d.age < 0.05 THEN 0.9
                                           WHEN d.age < 0.25 THEN 0.55 ELSE 0.193 END
                    THEN CASE WHEN d.r_status < 0.17 THEN 'new' WHEN d.r_status < 0.57 THEN 'open'
                              WHEN d.r_status < 0.84 THEN 'pending' ELSE 'on_hold' END
                    WHEN d.age < 0.25 THEN 'resolved' ELSE 'closed' END AS status,
               CASE WHEN d.r_cat < 0.03 THEN NULL
                    ELSE floor(power((d.r_cat - 0.03) / 0.97, 1.6)
                               * cardinality(%(cat_names)s::text[]))::int END AS cat_idx,
               floor(power(d.r_cust, 2) * d.n_customers)::int AS cust_idx,
               now() - d.age * interval '730 days' - d.r_time * interval '1 hour' AS created_at
        FROM bench_draw d;
        """,
    ),
    (
        "tickets",
        """
        INSERT INTO tickets_ticket (tenant_id, number, subject, description, status, priority,
            channel, category_id, customer_id, assignee_id, team_id, product_model,
            fault_symptom, caller, call_started_at, call_duration_seconds, expected_handled_by,
            created_at, updated_at, first_responded_at, resolved_at, closed_at, reopened_count,
            last_customer_reply_at, last_agent_reply_at)
        SELECT s.tenant_id, s.number, x.subject, '客户来电反映：' || x.subject, s.status,
               CASE WHEN s.r_priority < 0.20 THEN 'low' WHEN s.r_priority < 0.75 THEN 'normal'
                    WHEN s.r_priority < 0.95 THEN 'high' ELSE 'urgent' END,
               x.channel, c.category_id, cu.customer_id, a.membership_id, c.team_id, x.model,
               '', '',
               CASE WHEN x.channel = 'phone' THEN s.created_at END,
               CASE WHEN x.channel = 'phone' THEN 30 + floor(s.r_time * 900)::int END,
               NULL, s.created_at,
               coalesce(x.closed_at, x.resolved_at, x.responded_at, s.created_at),
               x.responded_at, x.resolved_at, x.closed_at, 0, s.created_at, x.responded_at
        FROM bench_shape s
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.r_lang < 0.5
                        THEN (%(products_zh)s::text[])[1 + floor(s.r_prod
                                 * cardinality(%(products_zh)s::text[]))]
                             || (%(problems_zh)s::text[])[1 + floor(s.r_prob
                                 * cardinality(%(problems_zh)s::text[]))]
                             || '（型号 XQB-' || lpad(floor(s.r_model * 10000)::text, 4, '0')
                             || '）'
                        ELSE (%(products_en)s::text[])[1 + floor(s.r_prod
                                 * cardinality(%(products_en)s::text[]))]
                             || ' ' || (%(problems_en)s::text[])[1 + floor(s.r_prob
                                 * cardinality(%(problems_en)s::text[]))]
                             || ' (model XQB-' || lpad(floor(s.r_model * 10000)::text, 4, '0')
                             || ')' END AS subject,
                   'XQB-' || lpad(floor(s.r_model * 10000)::text, 4, '0') AS model,
                   CASE WHEN s.r_channel < 0.35 THEN 'web' WHEN s.r_channel < 0.60 THEN 'email'
                        WHEN s.r_channel < 0.85 THEN 'phone' WHEN s.r_channel < 0.90 THEN 'api'
                        ELSE 'chat' END AS channel,
                   CASE WHEN s.status <> 'new'
                        THEN least(now(), s.created_at + s.r_time * interval '8 hours')
                        END AS responded_at,
                   CASE WHEN s.status IN ('resolved', 'closed')
                        THEN least(now(), s.created_at + (1 + s.r_time * 72) * interval '1 hour')
                        END AS resolved_at,
                   CASE WHEN s.status = 'closed'
                        THEN s.created_at + (1 + s.r_time * 72) * interval '1 hour'
                             + interval '7 days' END AS closed_at
        ) AS x
        JOIN bench_customer cu ON cu.tenant_id = s.tenant_id AND cu.cust_idx = s.cust_idx
        LEFT JOIN bench_category c ON c.tenant_id = s.tenant_id AND c.cat_idx = s.cat_idx
        -- New tickets are often still unassigned, a few others too; otherwise an agent of the
        -- ticket's team (any agent when it has no category).
        LEFT JOIN bench_agent a ON a.tenant_id = s.tenant_id
             AND NOT (s.status = 'new' AND s.r_assign < 0.6)
             AND NOT (s.status IN ('open', 'pending', 'on_hold') AND s.r_assign < 0.1)
             AND a.agent_idx = CASE
                 WHEN c.team_idx IS NULL THEN floor(s.r_agent
                      * cardinality(%(team_names)s::text[]) * %(agents_per_team)s)::int
                 ELSE c.team_idx * %(agents_per_team)s
                      + floor(s.r_agent * %(agents_per_team)s)::int END
        ORDER BY s.tenant_id, s.number;

        INSERT INTO tickets_ticketcounter (tenant_id, last_number)
        SELECT tenant_id, n_tickets FROM bench_tenant;
        """,
    ),
)
