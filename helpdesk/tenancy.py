"""Which tenant a request is for: the first label of the host, under the base domain."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django_scopes import scopes_disabled

from helpdesk.models import Tenant
from helpdesk.platform import shared_cache


def tenant_slug_from_host(host: str) -> str | None:
    """``acme.localhost:8000`` → ``acme``; the bare base domain or a foreign host → ``None``."""
    hostname = host.split(":", 1)[0].lower().rstrip(".")
    suffix = "." + settings.HELPDESK_BASE_DOMAIN
    if not hostname.endswith(suffix):
        return None
    slug = hostname[: -len(suffix)]
    return slug if slug and "." not in slug else None


def tenant_for_host(host: str) -> Tenant | None:
    """The active tenant of the host; read from the shared cache, since every request asks.
    A saved or deleted tenant is dropped from the cache at once (``tenant_forget``)."""
    slug = tenant_slug_from_host(host)
    if slug is None:
        return None
    return shared_cache.remembered(
        _tenant_key(slug), lambda: Tenant.objects.filter(slug=slug, is_active=True).first()
    )


def tenant_forget(sender, instance: Tenant, **kwargs) -> None:
    """``post_save`` / ``post_delete`` of a tenant: its next request reads it afresh."""
    shared_cache.forget(_tenant_key(instance.slug))


def _tenant_key(slug: str) -> str:
    return f"tenant-by-slug:{slug}"


def tenant_url(tenant: Tenant, path: str, *, request=None) -> str:
    """An absolute URL on the tenant's host, keeping the scheme and port of ``request``.

    Without a request (e-mails sent by a worker) the scheme and port come from settings:
    https on the default port in production, ``http`` and ``make run``'s port in development.
    """
    scheme = settings.HELPDESK_PUBLIC_SCHEME
    port = f":{settings.HELPDESK_PUBLIC_PORT}" if settings.HELPDESK_PUBLIC_PORT else ""
    if request is not None:
        scheme, port = request.scheme, ""
        host = request.get_host()
        if ":" in host:
            port = ":" + host.rsplit(":", 1)[1]
    return f"{scheme}://{tenant.slug}.{settings.HELPDESK_BASE_DOMAIN}{port}{path}"


@contextmanager
def across_tenants() -> Iterator[None]:
    """The one sanctioned way to query outside a tenant scope.

    Used only where work is found across tenants and each row is then handled inside its own
    tenant's scope: the sweepers that claim due rows (SLA, surveys, webhooks), the mailbox
    fetch fan-out, and the lookups that identify a tenant before any is known (API key, a
    user's own memberships). Anything else must run inside ``scope(tenant=…)``.
    Inside it PostgreSQL's row-level security lets every tenant's rows through as well
    (``helpdesk.row_security``).
    """
    with scopes_disabled():
        yield
