"""System checks: how the service is deployed, and how tenant-owned models are declared."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections

from helpdesk.platform.encryption import configured_keys, key_errors
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


@register(Tags.models)
def check_tenant_owned_models(app_configs=None, **kwargs) -> list[Error]:
    """Every model of the project's own apps with a ``tenant`` field derives from ``TenantOwned``.

    The base is what gives the model its scoped default manager (a query without a tenant
    scope raises instead of returning every tenant's rows); a model that declares its own
    ``tenant`` key and a plain manager would silently skip that first isolation layer.
    """
    from helpdesk.models import TenantOwned

    errors = []
    for app_config in app_configs if app_configs is not None else apps.get_app_configs():
        if not _is_project_app(app_config):
            continue
        for model in app_config.get_models():
            if not any(field.name == "tenant" for field in model._meta.fields):
                continue
            if not issubclass(model, TenantOwned):
                errors.append(
                    Error(
                        f"{model._meta.label} has a 'tenant' field but does not derive from "
                        "helpdesk.models.TenantOwned.",
                        hint="Derive the model from TenantOwned instead of declaring the "
                        "tenant key and manager by hand.",
                        obj=model,
                        id="helpdesk.E001",
                    )
                )
            elif not _is_scoped_manager(model._default_manager):
                errors.append(
                    Error(
                        f"{model._meta.label}'s default manager is not a django-scopes "
                        "ScopedManager, so its queries are not limited to the tenant scope.",
                        hint="Keep TenantOwned's 'objects' as the first manager, or declare "
                        "another manager as ScopedManager(tenant='tenant').",
                        obj=model,
                        id="helpdesk.E002",
                    )
                )
    return errors


def _is_project_app(app_config) -> bool:
    """An app whose package sits at the top of this repository (not an installed library)."""
    return Path(app_config.path).resolve().parent == Path(settings.BASE_DIR).resolve()


def _is_scoped_manager(manager) -> bool:
    """django-scopes builds a new class per ``ScopedManager(...)`` call; find it in the MRO."""
    return any(
        cls.__module__ == "django_scopes.manager" and cls.__qualname__.startswith("ScopedManager.")
        for cls in type(manager).__mro__
    )


@register(Tags.security)
def check_encryption_keys(app_configs=None, **kwargs) -> list[Error]:
    """Secrets at rest need a key given on purpose in production, and well-formed keys anywhere.

    Not a deploy-only check: every command (``migrate``, ``runserver``, the worker's start-up
    checks) refuses to run, rather than storing a secret nobody could read back later.
    """
    keys = configured_keys()
    if not keys and settings.HELPDESK_ENV == "production":
        return [
            Error(
                "HELPDESK_ENCRYPTION_KEYS is not set; mailbox passwords and webhook secrets "
                "cannot be stored or read.",
                hint='Generate a key with `python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"` and keep it with DJANGO_SECRET_KEY; '
                "see docs/configuration.md.",
                id="helpdesk.E010",
            )
        ]
    return [
        Error(
            f"HELPDESK_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64 "
            "bytes).",
            id="helpdesk.E011",
        )
        for position in key_errors(keys)
    ]
