"""System checks about how the service is deployed."""

from django.core.checks import Tags, Warning, register
from django.db import connections

from helpdesk.row_security import (
    leakproof_statements,
    role_bypasses_row_security,
    search_functions_not_leakproof,
)


@register(Tags.database, deploy=True)
def check_row_security_role(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """Warn when the database role ignores row-level security (superuser or BYPASSRLS).

    A database check, so it runs only with ``check --deploy --database default``: plain
    ``check`` must not need a reachable database.
    """
    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor == "postgresql" and role_bypasses_row_security(connection):
            warnings.append(
                Warning(
                    f"Database '{alias}' is used by a superuser or a role with BYPASSRLS, "
                    "so PostgreSQL row-level security (the second tenant-isolation layer) "
                    "is off.",
                    hint="Connect as an ordinary role that owns the tables (NOSUPERUSER "
                    "NOBYPASSRLS); see docs/security.md.",
                    id="helpdesk.W001",
                )
            )
    return warnings


@register(Tags.database, deploy=True)
def check_indexed_search_under_row_security(
    app_configs=None, databases=None, **kwargs
) -> list[Warning]:
    """Warn when row-level security keeps text search off its indexes.

    Only for a role the policies apply to (a superuser gets W001 instead), and, like W001,
    only with ``check --deploy --database default``.
    """
    warnings = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql" or role_bypasses_row_security(connection):
            continue
        missing = search_functions_not_leakproof(connection)
        if missing:
            warnings.append(_unindexed_search_warning(alias, missing))
    return warnings


def _unindexed_search_warning(alias: str, missing: list[str]) -> Warning:
    statements = "; ".join(leakproof_statements(missing))
    return Warning(
        f"Database '{alias}': {', '.join(missing)} not LEAKPROOF, so under row-level security "
        "ticket, customer and knowledge search cannot use their indexes and will scan all of "
        "the tenant's rows.",
        hint="As a superuser, run `manage.py enable_indexed_search_under_rls` against this "
        f"database, or execute in it: {statements}; see docs/security.md.",
        id="helpdesk.W002",
    )
