from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk core"

    def ready(self) -> None:
        from helpdesk import checks  # noqa: F401  (registers the system checks)
        from helpdesk.auth import session_bind_to_host
        from helpdesk.models import Tenant
        from helpdesk.tenancy import tenant_forget
        from helpdesk.two_factor import two_factor_remember_enrolment

        for signal in (post_save, post_delete):
            signal.connect(tenant_forget, sender=Tenant, dispatch_uid="helpdesk_tenant_forget")

        user_logged_in.connect(session_bind_to_host, dispatch_uid="helpdesk_session_host")
        user_logged_in.connect(two_factor_remember_enrolment, dispatch_uid="helpdesk_2fa_login")

        # Row-level security: policies after every migrate (tables added later are covered),
        # and the tenant setting kept in step with the scope on every PostgreSQL connection.
        post_migrate.connect(_enable_row_security, sender=self, dispatch_uid="helpdesk_rls")
        connection_created.connect(_install_tenant_setting_sync, dispatch_uid="helpdesk_rls")
        # Timestamps through psycopg's compiled parser (``helpdesk.platform.pg_timestamps``).
        connection_created.connect(_install_compiled_timestamps, dispatch_uid="helpdesk_ts")
        for connection in connections.all(initialized_only=True):
            _install_tenant_setting_sync(sender=None, connection=connection)
            if connection.connection is not None:
                _install_compiled_timestamps(sender=None, connection=connection)


def _enable_row_security(sender, *, using: str, verbosity: int = 1, **kwargs) -> None:
    from helpdesk.row_security import enable_row_security

    changed = enable_row_security(using=using)
    if changed and verbosity >= 1:
        print(f"  Row-level security policy applied to {len(changed)} table(s).")
    _enable_indexed_search(using=using, verbosity=verbosity)


def _enable_indexed_search(*, using: str, verbosity: int) -> None:
    """Keep search on its indexes under the policies, when migrate runs as a superuser.

    Only a superuser may mark functions LEAKPROOF; the ordinary application role skips this
    and gets warning helpdesk.W002 until a superuser has done it once.
    """
    from helpdesk.row_security import mark_search_functions_leakproof, role_is_superuser

    connection = connections[using]
    if connection.vendor != "postgresql" or not role_is_superuser(connection):
        return
    marked = mark_search_functions_leakproof(using=using)
    if marked and verbosity >= 1:
        print(f"  Marked {len(marked)} search function(s) LEAKPROOF for row-level security.")


def _install_compiled_timestamps(sender, *, connection, **kwargs) -> None:
    from helpdesk.platform.pg_timestamps import install_compiled_timestamps

    install_compiled_timestamps(connection)


def _install_tenant_setting_sync(sender, *, connection, **kwargs) -> None:
    from helpdesk.row_security import install_tenant_setting_sync

    install_tenant_setting_sync(connection)
