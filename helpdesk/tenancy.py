"""Which tenant a request is for: the first label of the host, under the base domain."""

from django.conf import settings

from .models import Tenant


def tenant_slug_from_host(host: str) -> str | None:
    """``acme.localhost:8000`` → ``acme``; the bare base domain or a foreign host → ``None``."""
    hostname = host.split(":", 1)[0].lower().rstrip(".")
    suffix = "." + settings.HELPDESK_BASE_DOMAIN
    if not hostname.endswith(suffix):
        return None
    slug = hostname[: -len(suffix)]
    return slug if slug and "." not in slug else None


def tenant_for_host(host: str) -> Tenant | None:
    slug = tenant_slug_from_host(host)
    if slug is None:
        return None
    return Tenant.objects.filter(slug=slug, is_active=True).first()


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
