"""PostgreSQL row-level security: the database refuses other tenants' rows by itself.

A superuser connection (a developer's ``postgres``) is ignored by every policy, so the tests
that look at what the policies let through run their queries as an ordinary role
(``as_ordinary_role``); CI connects as the ordinary role ``helpdesk_app`` already.
"""

import json
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django_scopes import scope, scopes_disabled

from customers.models import Customer
from helpdesk.checks import check_indexed_search_under_row_security, check_row_security_role
from helpdesk.models import Tenant
from helpdesk.row_security import (
    INDEXED_SEARCH_FUNCTIONS,
    POLICY_NAME,
    SETTING_NAME,
    enable_row_security,
    mark_search_functions_leakproof,
    role_bypasses_row_security,
    role_is_superuser,
    tenant_setting_for_scope,
)
from helpdesk.tenancy import across_tenants
from knowledge.models import Article
from knowledge.search import Matches, TitleVector
from tests.factories import CustomerFactory, TenantFactory
from tickets import services as ticket_services
from tickets.models import Ticket

PROBE_ROLE = "helpdesk_rls_probe"
# A few tenant-owned tables of different apps, each filled by ``ticket_create``.
TABLES = [
    "tickets_ticket",
    "tickets_message",
    "tickets_ticketevent",
    "customers_customer",
    "helpdesk_membership",
]


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row-level security; CI runs this on PostgreSQL")


@contextmanager
def as_ordinary_role():
    """Run the block as a role the policies apply to, inside a savepoint.

    A superuser connection switches to a NOLOGIN probe role for the block (``SET LOCAL ROLE``,
    undone on exit); created and granted inside the test's transaction, so nothing outlives it.
    """
    with transaction.atomic():
        if role_bypasses_row_security(connection):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DO $$ BEGIN CREATE ROLE {PROBE_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
                    "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                )
                cursor.execute(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                    f"TO {PROBE_ROLE}"
                )
                cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {PROBE_ROLE}")
                cursor.execute(f"SET LOCAL ROLE {PROBE_ROLE}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def tenants_in(table: str) -> set[int]:
    """The tenants whose rows a query without any tenant filter gets back."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tenant_id FROM {table}")  # noqa: S608 (fixed names)
        return {row[0] for row in cursor.fetchall()}


def database_setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING_NAME])
        return cursor.fetchone()[0]


def make_ticket(tenant: Tenant, actor) -> Ticket:
    with scope(tenant=tenant):
        ticket = ticket_services.ticket_create(
            tenant=tenant, customer=CustomerFactory(tenant=tenant), subject="Washer leaks"
        )
        ticket_services.ticket_reply(ticket=ticket, actor=actor, body="A technician is on the way.")
    return ticket


@pytest.fixture
def tickets(tenant_a, admin_a, tenant_b, outsider):
    return make_ticket(tenant_a, admin_a), make_ticket(tenant_b, outsider)


def test_it_forces_the_tenant_policy_on_every_tenant_owned_table(postgres):
    tables = {
        model._meta.db_table
        for model in apps.get_models()
        if any(field.name == "tenant" for field in model._meta.fields)
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE p.polname = %s AND c.relrowsecurity AND c.relforcerowsecurity",
            [POLICY_NAME],
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert len(tables) > 50
    assert tables <= protected


def test_it_returns_only_the_scoped_tenants_rows_to_a_query_without_tenant_filter(
    postgres, tickets, tenant_a
):
    with scope(tenant=tenant_a), as_ordinary_role():
        seen = {table: tenants_in(table) for table in TABLES}
    assert seen == {table: {tenant_a.pk} for table in TABLES}


def test_it_hides_another_tenants_rows_from_an_unscoped_manager(postgres, tickets, tenant_a):
    ticket_a, ticket_b = tickets
    with scope(tenant=tenant_a), as_ordinary_role():
        # The base manager is not scoped: only the database stands between A and B here.
        visible = set(Ticket._base_manager.values_list("pk", flat=True))
        found_b = Ticket._base_manager.filter(pk=ticket_b.pk).exists()
    assert visible == {ticket_a.pk}
    assert not found_b


def test_it_refuses_to_insert_a_row_for_another_tenant(postgres, tenant_a, tenant_b):
    with (
        scope(tenant=tenant_a),
        as_ordinary_role(),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
    ):
        Customer.objects.create(tenant=tenant_b, name="Smuggled", email="s@example.test")
    with scopes_disabled():
        assert not Customer.objects.filter(name="Smuggled").exists()


def test_it_refuses_to_move_a_row_to_another_tenant(postgres, tickets, tenant_a, tenant_b):
    ticket_a, _ticket_b = tickets
    with (
        scope(tenant=tenant_a),
        as_ordinary_role(),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
    ):
        Ticket._base_manager.filter(pk=ticket_a.pk).update(tenant=tenant_b)
    ticket_a.refresh_from_db()
    assert ticket_a.tenant_id == tenant_a.pk


def test_it_lets_cross_tenant_code_see_every_tenant(postgres, tickets, tenant_a, tenant_b):
    with scope(tenant=tenant_a), as_ordinary_role(), across_tenants():
        seen = tenants_in("tickets_ticket")
    assert seen == {tenant_a.pk, tenant_b.pk}


def test_it_is_ignored_by_a_superuser_so_the_tests_above_can_fail(
    postgres, tickets, tenant_a, tenant_b
):
    if not role_bypasses_row_security(connection):
        pytest.skip("the test database role is not a superuser")
    with scope(tenant=tenant_a):
        seen = {table: tenants_in(table) for table in TABLES}
    assert seen == {table: {tenant_a.pk, tenant_b.pk} for table in TABLES}


def test_it_sends_the_tenant_again_after_a_rolled_back_switch(
    postgres, tickets, tenant_a, tenant_b
):
    with as_ordinary_role():
        with scope(tenant=tenant_a):
            assert tenants_in("tickets_ticket") == {tenant_a.pk}
        with pytest.raises(RuntimeError), transaction.atomic(), scope(tenant=tenant_b):
            assert tenants_in("tickets_ticket") == {tenant_b.pk}
            raise RuntimeError("undo")  # the rollback reverts the setting to tenant A
        with scope(tenant=tenant_b):
            assert tenants_in("tickets_ticket") == {tenant_b.pk}
            assert database_setting() == str(tenant_b.pk)


def test_it_recovers_from_a_failed_query_after_a_switch_inside_a_savepoint(
    postgres, tenant_a, tenant_b
):
    with scope(tenant=tenant_a):
        assert database_setting() == str(tenant_a.pk)
        # The failure aborts the savepoint; rolling it back must not be preceded by anything.
        with pytest.raises(IntegrityError), transaction.atomic(), scope(tenant=tenant_b):
            Tenant.objects.create(slug=tenant_a.slug, name="Duplicate")
        assert database_setting() == str(tenant_a.pk)


def test_it_trusts_a_setting_sent_in_the_open_transaction(postgres, tenant_a):
    with scope(tenant=tenant_a):
        assert database_setting() == str(tenant_a.pk)
        connection.connection.execute(f"SELECT set_config('{SETTING_NAME}', '0', false)")
        # Nothing rolled back since it was sent, so no second round trip is made.
        assert database_setting() == "0"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_committed_setting_until_the_connection_is_replaced(postgres):
    tenant = TenantFactory(slug="initech")
    with scope(tenant=tenant):
        with transaction.atomic():
            assert database_setting() == str(tenant.pk)
        connection.connection.execute(f"SELECT set_config('{SETTING_NAME}', '0', false)")
        assert database_setting() == "0"  # committed, so trusted: not sent again
        connection.close()
        assert database_setting() == str(tenant.pk)  # a new session gets it afresh
    assert database_setting() == ""


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_tenant_again_after_a_rolled_back_transaction(postgres):
    acme, globex = TenantFactory(slug="acme"), TenantFactory(slug="globex")
    with scope(tenant=acme):
        assert database_setting() == str(acme.pk)
    with pytest.raises(RuntimeError), transaction.atomic(), scope(tenant=globex):
        assert database_setting() == str(globex.pk)
        raise RuntimeError("undo")  # the rollback reverts the setting to acme
    with transaction.atomic(), scope(tenant=globex):
        assert database_setting() == str(globex.pk)


def test_it_derives_the_setting_from_the_scope(tenant_a):
    assert tenant_setting_for_scope() == ""
    with scope(tenant=tenant_a):
        assert tenant_setting_for_scope() == str(tenant_a.pk)
        with across_tenants():
            assert tenant_setting_for_scope() == ""
    with scope(tenant=tenant_a.pk):
        assert tenant_setting_for_scope() == str(tenant_a.pk)
    with scope(tenant=[tenant_a]):
        assert tenant_setting_for_scope() == str(tenant_a.pk)
    with scope(tenant=None):
        assert tenant_setting_for_scope() == ""


def test_it_refuses_a_scope_of_several_tenants(tenant_a, tenant_b):
    with scope(tenant=[tenant_a, tenant_b]), pytest.raises(ValueError, match="one tenant"):
        tenant_setting_for_scope()


def test_it_recreates_only_a_missing_policy(postgres):
    assert enable_row_security() == []
    with connection.cursor() as cursor:
        cursor.execute(f"DROP POLICY {POLICY_NAME} ON tickets_ticket")
    assert enable_row_security() == ["tickets_ticket"]
    assert enable_row_security() == []


def test_it_warns_when_the_database_role_ignores_row_security(postgres):
    if not role_bypasses_row_security(connection):
        pytest.skip("the test database role is not a superuser")
    warnings = check_row_security_role(databases=["default"])
    assert [warning.id for warning in warnings] == ["helpdesk.W001"]


def test_it_does_not_warn_for_an_ordinary_role(postgres):
    with as_ordinary_role():
        assert check_row_security_role(databases=["default"]) == []


# Text search under the policies: the functions of its operators must be LEAKPROOF for its
# conditions to be index conditions (helpdesk.row_security.INDEXED_SEARCH_FUNCTIONS).


@pytest.fixture
def superuser(postgres):
    if not role_is_superuser(connection):
        pytest.skip(
            "marking functions LEAKPROOF needs a superuser connection; CI's helpdesk_app "
            "is an ordinary role (the W002 test below runs there)"
        )


def is_leakproof(function: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT proleakproof FROM pg_proc WHERE oid = %s::regprocedure", [function])
        return cursor.fetchone()[0]


def unmark_search_functions() -> None:
    """Undo what migrate did as the superuser; the test's transaction rolls this back too."""
    with connection.cursor() as cursor:
        for function in INDEXED_SEARCH_FUNCTIONS:
            cursor.execute(f"ALTER FUNCTION {function} NOT LEAKPROOF")


SEARCH_INDEXES = ("ticket_subject_trgm", "kb_article_search", "kb_article_title_search")


def search_querysets() -> dict[str, QuerySet]:
    """Each search condition by the index that should serve it, with no tenant filter of its
    own: the policy is the only other condition, so the plan shows whether the search
    condition can be an index condition under it."""
    words = SearchQuery("washer:*", search_type="raw", config="simple")
    return {
        "ticket_subject_trgm": Ticket._base_manager.filter(subject__icontains="leak"),
        "kb_article_search": Article._base_manager.filter(Matches(F("search_vector"), words)),
        "kb_article_title_search": Article._base_manager.filter(Matches(TitleVector(), words)),
    }


def plan_index_names(node) -> set[str]:
    if isinstance(node, list):
        return set().union(*(plan_index_names(item) for item in node))
    if not isinstance(node, dict):
        return set()
    names = {node["Index Name"]} if "Index Name" in node else set()
    return names.union(*(plan_index_names(value) for value in node.values()))


def indexes_used() -> dict[str, bool]:
    """For each search of ``search_querysets``, whether its plan uses its index. Sequential
    scans are off for the rest of the test's transaction, so small tables use an index
    wherever the planner may."""
    used = {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for index, queryset in search_querysets().items():
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            used[index] = index in plan_index_names(
                json.loads(plan) if isinstance(plan, str) else plan
            )
    return used


def test_it_keeps_text_search_on_its_indexes_once_the_functions_are_marked(superuser, tenant_a):
    unmark_search_functions()
    with scope(tenant=tenant_a), as_ordinary_role():
        before = indexes_used()
    marked = mark_search_functions_leakproof()
    with scope(tenant=tenant_a), as_ordinary_role():
        after = indexes_used()
    assert before == dict.fromkeys(SEARCH_INDEXES, False)
    assert marked == list(INDEXED_SEARCH_FUNCTIONS)
    assert after == dict.fromkeys(SEARCH_INDEXES, True)
    assert mark_search_functions_leakproof() == []  # nothing left to change


def test_it_marks_the_search_functions_when_migrate_runs_as_a_superuser(superuser):
    unmark_search_functions()
    call_command("migrate", verbosity=0)
    assert {function: is_leakproof(function) for function in INDEXED_SEARCH_FUNCTIONS} == (
        dict.fromkeys(INDEXED_SEARCH_FUNCTIONS, True)
    )


def test_it_marks_the_search_functions_with_the_dba_command(superuser):
    unmark_search_functions()
    first, second = StringIO(), StringIO()
    call_command("enable_indexed_search_under_rls", stdout=first)
    call_command("enable_indexed_search_under_rls", stdout=second)
    assert first.getvalue().splitlines() == [
        f"Marked {function} LEAKPROOF" for function in INDEXED_SEARCH_FUNCTIONS
    ]
    assert "LEAKPROOF already" in second.getvalue()
    assert all(is_leakproof(function) for function in INDEXED_SEARCH_FUNCTIONS)


def test_it_refuses_to_mark_the_search_functions_as_an_ordinary_role(postgres):
    with as_ordinary_role(), pytest.raises(CommandError, match="superuser"):
        call_command("enable_indexed_search_under_rls", stdout=StringIO())


def test_it_warns_that_search_scans_rows_until_the_functions_are_marked(superuser):
    unmark_search_functions()
    with as_ordinary_role():
        unmarked = check_indexed_search_under_row_security(databases=["default"])
    mark_search_functions_leakproof()
    with as_ordinary_role():
        marked = check_indexed_search_under_row_security(databases=["default"])
    assert [warning.id for warning in unmarked] == ["helpdesk.W002"]
    assert marked == []


def test_it_warns_the_ordinary_role_whose_search_scans_rows(postgres, tenant_a):
    """CI's case: its ordinary role cannot mark the functions, and the test database is
    copied from a template that nobody marked."""
    if role_bypasses_row_security(connection):
        pytest.skip("the test database role is a superuser, whose migrate marked the functions")
    if any(is_leakproof(function) for function in INDEXED_SEARCH_FUNCTIONS):
        pytest.skip("a superuser marked the search functions in the template database")
    warnings = check_indexed_search_under_row_security(databases=["default"])
    with scope(tenant=tenant_a):
        used = indexes_used()
    assert [warning.id for warning in warnings] == ["helpdesk.W002"]
    assert "enable_indexed_search_under_rls" in warnings[0].hint
    assert all(function in warnings[0].msg for function in INDEXED_SEARCH_FUNCTIONS)
    assert used == dict.fromkeys(SEARCH_INDEXES, False)  # what the warning says: no search index


def test_it_marks_the_same_functions_in_the_docker_init_script():
    script = (Path(settings.BASE_DIR) / "docker" / "postgres-init.sql").read_text()
    after_connect = script.split("\\connect helpdesk\n", 1)[1]
    marked = [line for line in after_connect.splitlines() if line.startswith("ALTER FUNCTION")]
    assert marked == [
        f"ALTER FUNCTION {function} LEAKPROOF;" for function in INDEXED_SEARCH_FUNCTIONS
    ]
