"""Load the installed-base benchmark's data set straight into the real tables.

1,000,000 registered units across 100 tenants (``units-000`` … ``units-099``): each tenant has
4 products, 5,000 customers with a mobile number and 10,000 units, two per customer. PostgreSQL
generates the rows itself (``INSERT … SELECT`` over ``generate_series``) in one transaction, so
the set is either fully there or not at all, and it is the same on every machine.

Phone numbers are stored the way people type them (``+86 138 0013 8000``, ``138-0013-8000``,
``13800138000``) with the normalised copy ``Customer.save`` would keep beside them; the same
number may belong to customers of different tenants, as the same person buys from several.

Preconditions: PostgreSQL, migrated, no tenant slug starting with ``units-`` but our own.
"""

import time
from dataclasses import dataclass

from django.db import connection, transaction

SLUG_PREFIX = "units-"
TENANTS = 100
CUSTOMERS_PER_TENANT = 5_000
UNITS_PER_CUSTOMER = 2
UNITS = TENANTS * CUSTOMERS_PER_TENANT * UNITS_PER_CUSTOMER
PRODUCTS = (  # model code, name, Chinese name, warranty months
    ("WM-800", "Washing machine", "洗衣机", 24),
    ("RF-450", "Refrigerator", "冰箱", 36),
    ("AC-120", "Air conditioner", "空调", 72),
    ("DW-60", "Dishwasher", "洗碗机", 12),
)


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    seconds: float
    units: int


def units_loaded() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM products_unit u JOIN helpdesk_tenant t ON t.id = u.tenant_id"
            " WHERE t.slug LIKE %s",
            [SLUG_PREFIX + "%"],
        )
        return int(cursor.fetchone()[0])


def load() -> LoadResult:
    """Load the set unless it is there already; then VACUUM ANALYZE. Idempotent."""
    present = units_loaded()
    if present == UNITS:
        return LoadResult(loaded=False, seconds=0.0, units=present)
    if present:
        raise RuntimeError(
            f"Found {present} bench units, expected 0 or {UNITS}; "
            "drop the bench database and run again."
        )
    started = time.monotonic()
    params = {
        "prefix": SLUG_PREFIX,
        "tenants": TENANTS,
        "customers": CUSTOMERS_PER_TENANT,
        "per_customer": UNITS_PER_CUSTOMER,
        "codes": [p[0] for p in PRODUCTS],
        "names": [p[1] for p in PRODUCTS],
        "names_zh": [p[2] for p in PRODUCTS],
        "months": [p[3] for p in PRODUCTS],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for step, sql in STEPS:
            step_started = time.monotonic()
            cursor.execute(sql, params)
            print(f"  {step:<12} {time.monotonic() - step_started:7.1f} s", flush=True)
    with connection.cursor() as cursor:
        # VACUUM as well as ANALYZE: the visibility map lets index-only scans work at once.
        for table in ("helpdesk_tenant", "customers_customer", "products_product", "products_unit"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return LoadResult(loaded=True, seconds=time.monotonic() - started, units=UNITS)


# psycopg does not mind parameters a statement does not use, so every step gets them all.
STEPS: tuple[tuple[str, str], ...] = (
    (
        "tenants",
        """
        SELECT set_config('max_parallel_workers_per_gather', '0', true);
        INSERT INTO helpdesk_tenant (slug, name, time_zone, default_language,
            auto_close_after_days, is_active, created_at, two_factor_required_for)
        SELECT %(prefix)s || lpad(i::text, 3, '0'), 'Units tenant ' || i, 'Asia/Shanghai',
               'zh-hans', 7, true, now() - interval '3 years', 'nobody'
        FROM generate_series(0, %(tenants)s - 1) AS i;

        CREATE TEMP TABLE units_tenant ON COMMIT DROP AS
        SELECT id AS tenant_id, substr(slug, length(%(prefix)s) + 1)::int AS idx
        FROM helpdesk_tenant WHERE slug LIKE %(prefix)s || '%%';
        """,
    ),
    (
        "products",
        """
        INSERT INTO products_product (model_code, name, name_zh, product_line, warranty_months,
            covers_parts, covers_labour, covers_on_site, service_notes, is_active, created_at,
            tenant_id)
        SELECT (%(codes)s::text[])[k], (%(names)s::text[])[k], (%(names_zh)s::text[])[k],
               'Home appliances', (%(months)s::int[])[k], true, true, k = 3, '', true,
               now() - interval '3 years', t.tenant_id
        FROM units_tenant t CROSS JOIN generate_series(1, cardinality(%(codes)s::text[])) AS k
        ORDER BY t.tenant_id, k;

        CREATE TEMP TABLE units_product ON COMMIT DROP AS
        SELECT tenant_id, array_position(%(codes)s::text[], model_code::text) - 1 AS k,
               id AS product_id
        FROM products_product WHERE tenant_id IN (SELECT tenant_id FROM units_tenant);
        CREATE INDEX ON units_product (tenant_id, k);
        ANALYZE units_product;
        """,
    ),
    (
        "customers",
        # 13x / 15x / 18x mobiles; 7919 is prime, so the numbers differ within a tenant.
        """
        INSERT INTO customers_customer (name, email, phone, phone_normalised, key_info, notes,
            portal_sign_in_count, language, created_at, tenant_id)
        SELECT '客户 ' || n, 'customer' || n || '@units-' || t.idx || '.example.com',
               CASE n %% 3 WHEN 0 THEN '+86 ' || substr(m, 1, 3) || ' ' || substr(m, 4, 4)
                                       || ' ' || substr(m, 8, 4)
                           WHEN 1 THEN substr(m, 1, 3) || '-' || substr(m, 4, 4)
                                       || '-' || substr(m, 8, 4)
                           ELSE m END,
               m, '', '', 0, 'zh-hans', now() - interval '3 years' + n * interval '1 minute',
               t.tenant_id
        FROM units_tenant t
        CROSS JOIN generate_series(0, %(customers)s - 1) AS n
        CROSS JOIN LATERAL (
            SELECT (ARRAY['13', '15', '18'])[1 + (n + t.idx) %% 3]
                   || lpad(((n * 7919 + t.idx * 104729) %% 1000000000)::text, 9, '0') AS m
        ) AS phone
        ORDER BY t.tenant_id, n;

        CREATE TEMP TABLE units_customer ON COMMIT DROP AS
        SELECT tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) - 1 AS n,
               id AS customer_id
        FROM customers_customer WHERE tenant_id IN (SELECT tenant_id FROM units_tenant);
        CREATE INDEX ON units_customer (tenant_id, n);
        ANALYZE units_customer;
        """,
    ),
    (
        "units",
        # Serials as printed on labels: model code, then a number unique within the tenant.
        """
        INSERT INTO products_unit (tenant_id, serial, product_id, customer_id, organization_id,
            purchased_on, purchase_channel, installation_address, installed_on, status,
            warranty_override_until, warranty_override_reason, invoice, invoice_name,
            created_at)
        SELECT c.tenant_id, (%(codes)s::text[])[1 + p.k] || '-'
                 || lpad(((u * 7919) %% 10000000)::text, 7, '0'),
               p.product_id, c.customer_id, NULL,
               (current_date - (u %% 1500)), 'JD.com', '', NULL, 'active', NULL, '', '', '',
               now() - (u %% 1500) * interval '1 day'
        FROM units_tenant t
        CROSS JOIN generate_series(0, %(customers)s * %(per_customer)s - 1) AS u
        JOIN units_customer c ON c.tenant_id = t.tenant_id
                             AND c.n = u %% %(customers)s
        JOIN units_product p ON p.tenant_id = t.tenant_id
                            AND p.k = u %% cardinality(%(codes)s::text[])
        ORDER BY t.tenant_id, u;
        """,
    ),
)
