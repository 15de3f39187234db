"""PostgreSQL row-level security: the database's own tenant check behind django-scopes.

Every table of a model with a ``tenant`` foreign key gets one policy, ``tenant_isolation``: a
row is visible (and may be written) only if its ``tenant_id`` equals the session setting
``helpdesk.tenant_id``. An empty or unset setting means "no tenant chosen" and sees every row:
that is what migrations, the platform pages and the sweepers inside ``across_tenants()`` need.

The setting follows the django-scopes scope by itself: an execute wrapper on every PostgreSQL
connection compares the scope's tenant with what it last sent and, when they differ, sends
``set_config`` before the query. So a query that forgot its tenant filter inside
``scope(tenant=A)`` still gets only A's rows from the database.

Superusers and roles with BYPASSRLS skip every policy; ``helpdesk.checks`` warns about them.
Nothing here does anything on SQLite.

PostgreSQL checks the policy before any condition whose functions are not LEAKPROOF, so such a
condition cannot be an index condition: text search would scan the tenant's rows instead of
using its trigram and full-text indexes. ``mark_search_functions_leakproof`` marks the few
functions the search needs; docs/security.md ("Cost") explains why that is safe here.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_scopes import get_scope

SETTING_NAME = "helpdesk.tenant_id"
POLICY_NAME = "tenant_isolation"

# Statements that must reach the server untouched: a savepoint rollback is how an aborted
# transaction recovers, and any other statement sent first would fail in that state.
_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")


def policy_condition(column: str) -> str:
    """The USING / WITH CHECK expression for a table whose tenant column is ``column``."""
    current = f"NULLIF(current_setting('{SETTING_NAME}', true), '')"
    return f"({current} IS NULL OR {column} = {current}::bigint)"


def tenant_owned_tables() -> list[tuple[str, str]]:
    """``(table, tenant column)`` of every model with a ``tenant`` field, through tables included.

    Auto-created many-to-many tables have no tenant column today, so they are covered only
    through the rows they join; one that gains a ``tenant`` field is picked up here.
    """
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        field = next((f for f in model._meta.concrete_fields if f.name == "tenant"), None)
        if field is not None:
            tables.add((model._meta.db_table, field.column))
    return sorted(tables)


def _fingerprint(column: str) -> str:
    """Stored as the policy's comment, so an unchanged policy is left alone (no table lock)."""
    return "helpdesk:" + hashlib.sha256(policy_condition(column).encode()).hexdigest()[:16]


_STATE_SQL = """
    SELECT t.relname, c.relrowsecurity, c.relforcerowsecurity,
           obj_description(p.oid, 'pg_policy')
    FROM unnest(%s::text[], %s::text[]) AS t(relname, attname)
    JOIN pg_class c
      ON c.relname = t.relname AND c.relnamespace = current_schema()::regnamespace
    JOIN pg_attribute a
      ON a.attrelid = c.oid AND a.attname = t.attname AND NOT a.attisdropped
    LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = %s
"""


def _statements_for(
    table: str, column: str, state: tuple[bool, bool, str | None], quote: Callable[[str], str]
) -> list[str]:
    """What brings one table to the wanted state; nothing when it is there already."""
    enabled, forced, comment = state
    qtable, policy = quote(table), quote(POLICY_NAME)
    statements = []
    if not enabled:
        statements.append(f"ALTER TABLE {qtable} ENABLE ROW LEVEL SECURITY")
    if not forced:  # without FORCE the owner (the role that ran migrate) would skip the policy
        statements.append(f"ALTER TABLE {qtable} FORCE ROW LEVEL SECURITY")
    if comment != _fingerprint(column):
        condition = policy_condition(quote(column))
        statements += [
            f"DROP POLICY IF EXISTS {policy} ON {qtable}",
            f"CREATE POLICY {policy} ON {qtable} USING {condition} WITH CHECK {condition}",
            f"COMMENT ON POLICY {policy} ON {qtable} IS '{_fingerprint(column)}'",
        ]
    return statements


def enable_row_security(*, using: str = "default") -> list[str]:
    """Enable, force and (re)create the tenant policy on every tenant-owned table that lacks it.

    Idempotent and cheap when nothing changed (one catalogue query), so it runs after every
    migrate and flush. Tables not created yet (a partial migrate) are skipped. Returns the tables
    it changed. A no-op on databases other than PostgreSQL.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    wanted = dict(tenant_owned_tables())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, [list(wanted), list(wanted.values()), POLICY_NAME])
        present = {row[0]: row[1:] for row in cursor.fetchall()}
        changed = []
        for table, state in sorted(present.items()):
            statements = _statements_for(table, wanted[table], state, connection.ops.quote_name)
            for statement in statements:
                cursor.execute(statement)
            if statements:
                changed.append(table)
    return changed


def tenant_setting_for_scope() -> str:
    """The value ``helpdesk.tenant_id`` should have for the current django-scopes scope.

    ``""`` (every tenant) when scopes are disabled (``across_tenants()``), when no scope is open
    or when the scope says ``tenant=None`` (django-scopes does not filter then either); the
    tenant's primary key otherwise. The scope may hold a tenant or its id.
    """
    current = get_scope()
    if not current.get("_enabled", True):
        return ""
    tenant = current.get("tenant")
    if isinstance(tenant, list | tuple):
        if len(tenant) != 1:
            # One setting holds one tenant; refusing is safer than widening to every tenant.
            raise ValueError("Row-level security supports one tenant per scope.")
        tenant = tenant[0]
    if tenant is None:
        return ""
    return str(int(getattr(tenant, "pk", tenant)))


@dataclass
class _Sent:
    """What ``helpdesk.tenant_id`` holds on one database session, as far as we know."""

    raw_connection: Any
    value: str
    # Sent in autocommit mode or committed since: only a new session loses it.
    durable: bool
    # Sent inside a transaction: Django drops this on-commit hook exactly when a rollback
    # undoes the SET (the whole transaction, or a savepoint that was active when it was sent).
    commit_hook: Callable[[], None] | None = None
    hook_index: int = 0  # where the hook was in ``connection.run_on_commit`` when last seen


class TenantSettingSync:
    """Execute wrapper that sends ``set_config('helpdesk.tenant_id', …)`` when the scope changed.

    One instance per ``DatabaseWrapper``. A round trip happens only when the wanted value differs
    from what the session is known to hold, so a request or task that stays in one tenant pays it
    once per connection. PostgreSQL reverts a SET made in a transaction that is rolled back; a
    value sent inside a transaction therefore counts only while its on-commit hook is pending
    (Django discards the hook on exactly those rollbacks) and becomes durable on commit.
    """

    def __init__(self) -> None:
        self._sent: _Sent | None = None

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        if not _is_transaction_control(sql) and not connection.needs_rollback:
            wanted = tenant_setting_for_scope()
            if not self._holds(connection, wanted):
                self._send(connection, wanted)
        return execute(sql, params, many, context)

    def _holds(self, connection: BaseDatabaseWrapper, wanted: str) -> bool:
        sent = self._sent
        if sent is None or sent.raw_connection is not connection.connection:
            # A new session: nothing was set on it, which means "every tenant".
            sent = self._sent = _Sent(connection.connection, "", durable=True)
        if sent.value != wanted:
            return False
        return sent.durable or _hook_pending(connection, sent)

    def _send(self, connection: BaseDatabaseWrapper, value: str) -> None:
        # A cursor of its own: the wrapped cursor may be mid-way through the caller's query,
        # and going through Django's cursor would re-enter this wrapper.
        with connection.wrap_database_errors, connection.connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING_NAME, value])
        in_transaction = connection.in_atomic_block or not connection.get_autocommit()
        sent = _Sent(connection.connection, value, durable=not in_transaction)
        if connection.in_atomic_block:
            sent.commit_hook = lambda: self._committed(connection, sent)
            sent.hook_index = len(connection.run_on_commit)
            connection.on_commit(sent.commit_hook)
        self._sent = sent

    def _committed(self, connection: BaseDatabaseWrapper, sent: _Sent) -> None:
        # Tests run captured on-commit hooks while their transaction is still open.
        if not connection.in_atomic_block:
            sent.durable = True


def _is_transaction_control(sql: object) -> bool:
    return isinstance(sql, str) and sql.lstrip()[:9].upper().startswith(_TRANSACTION_CONTROL)


def _hook_pending(connection: BaseDatabaseWrapper, sent: _Sent) -> bool:
    """Whether ``sent``'s on-commit hook is still queued, i.e. no rollback has undone the SET."""
    hooks = connection.run_on_commit
    if sent.commit_hook is None:
        return False
    # Usually still where it was put; a long transaction queues many hooks, so look there first.
    if sent.hook_index < len(hooks) and hooks[sent.hook_index][1] is sent.commit_hook:
        return True
    for index, (_, func, _) in enumerate(hooks):
        if func is sent.commit_hook:
            sent.hook_index = index
            return True
    return False


def install_tenant_setting_sync(connection: BaseDatabaseWrapper) -> None:
    """Wrap every query of a PostgreSQL connection; once per ``DatabaseWrapper``."""
    if connection.vendor != "postgresql":
        return
    if not any(isinstance(w, TenantSettingSync) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(TenantSettingSync())


def role_bypasses_row_security(connection: BaseDatabaseWrapper) -> bool:
    """Whether the role queries run as ignores every policy (superuser or BYPASSRLS)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def role_is_superuser(connection: BaseDatabaseWrapper) -> bool:
    """Whether the role queries run as is a superuser (the only kind that may mark LEAKPROOF)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


# The functions under the operators of ticket, customer and knowledge search, as
# ``regprocedure`` text. Each appears in a condition together with a column, which is what
# makes PostgreSQL evaluate the tenant policy first unless the function is LEAKPROOF.
INDEXED_SEARCH_FUNCTIONS = (
    # ``icontains`` is ``UPPER(column::text) LIKE UPPER(pattern)``: the ticket subject trigram
    # index (ticket_subject_trgm) and customer search; ``iexact`` on the customer e-mail index.
    "pg_catalog.upper(text)",
    "pg_catalog.textlike(text,text)",  # the ``~~`` (LIKE) operator
    # Knowledge search: ``search_vector @@ query`` (kb_article_search) and the title tier's
    # ``to_tsvector('simple', search_title) @@ query`` (kb_article_title_search).
    "pg_catalog.ts_match_vq(tsvector,tsquery)",
    "pg_catalog.to_tsvector(regconfig,text)",
)

_NOT_LEAKPROOF_SQL = """
    SELECT f.name
    FROM unnest(%s::text[]) WITH ORDINALITY AS f(name, position)
    JOIN pg_proc p ON p.oid = f.name::regprocedure
    WHERE NOT p.proleakproof
    ORDER BY f.position
"""


def search_functions_not_leakproof(connection: BaseDatabaseWrapper) -> list[str]:
    """The ``INDEXED_SEARCH_FUNCTIONS`` not marked LEAKPROOF in this connection's database."""
    with connection.cursor() as cursor:
        cursor.execute(_NOT_LEAKPROOF_SQL, [list(INDEXED_SEARCH_FUNCTIONS)])
        return [row[0] for row in cursor.fetchall()]


def leakproof_statements(functions: list[str]) -> list[str]:
    """The SQL that marks ``functions`` (names from ``INDEXED_SEARCH_FUNCTIONS``)."""
    return [f"ALTER FUNCTION {function} LEAKPROOF" for function in functions]


def mark_search_functions_leakproof(*, using: str = "default") -> list[str]:
    """Mark ``INDEXED_SEARCH_FUNCTIONS`` LEAKPROOF in the database behind ``using``.

    Precondition: the connected role is a superuser (PostgreSQL refuses anyone else). The flag
    lives in that database's own ``pg_catalog``, so each database needs it once. Idempotent:
    returns the functions it changed, and writes nothing when every one is marked already.
    A no-op on databases other than PostgreSQL.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        missing = search_functions_not_leakproof(connection)
        for statement in leakproof_statements(missing):
            cursor.execute(statement)
    return missing
