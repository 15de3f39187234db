"""Every URL pattern of a tenant host, with sample arguments pointing at tenant A's objects.

The isolation tests walk this catalogue; a new URL with arguments must be added to
``SAMPLE_KWARGS`` or the catalogue test fails, so no page escapes the outsider check.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open on a tenant host: they show nothing of the tenant's data.
PUBLIC_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "tenant_switch_accept",
        "set_language",
        "healthz",
        "api_schema",
        "api_docs",
    }
)

# name → function(objects of tenant A) → kwargs for reverse()
SAMPLE_KWARGS: dict[str, Callable[[dict], dict]] = {
    "api_token_revoke": lambda objs: {"pk": objs["api_token"].pk},
    "team-detail": lambda objs: {"pk": objs["team"].pk},
    "skill-detail": lambda objs: {"pk": objs["skill"].pk},
    "password_reset_confirm": lambda objs: {"uidb64": "x", "token": "y"},
}


@dataclass(frozen=True)
class Route:
    name: str
    params: frozenset[str]


def tenant_routes(urlconf: str = "helpdesk.urls") -> Iterator[Route]:
    seen = set()
    for pattern in _walk(get_resolver(urlconf).url_patterns):
        params = frozenset(pattern.pattern.regex.groupindex)
        if pattern.name is None or "format" in params or pattern.name in seen:
            continue  # DRF's ".json" suffix variants repeat the plain routes
        seen.add(pattern.name)
        yield Route(pattern.name, params)


def _walk(patterns) -> Iterator[URLPattern]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns)
        else:
            yield entry
