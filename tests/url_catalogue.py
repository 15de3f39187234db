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
    **{
        name: (lambda objs: {"number": objs["ticket"].number})
        for name in (
            "ticket_detail",
            "ticket_reply",
            "ticket_status",
            "ticket_priority",
            "ticket_category",
            "ticket_assignee",
            "ticket_take",
            "ticket_team",
            "ticket_tags",
            "ticket_transfer",
            "ticket_merge",
        )
    },
    "ticket_attachment": lambda objs: {
        "number": objs["ticket"].number,
        "pk": objs["attachment"].pk,
    },
    "sla:policy": lambda objs: {"pk": objs["sla_policy"].pk},
    "sla:calendar": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holiday_add": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holidays_load": lambda objs: {"pk": objs["calendar"].pk},
    "sla:holiday_delete": lambda objs: {
        "pk": objs["calendar"].pk,
        "holiday_pk": objs["holiday"].pk,
    },
}

# Pages that only accept POST: a GET by a member is 405 (an outsider still gets 404).
POST_ONLY_URL_NAMES = frozenset(
    {
        "tenant_switch",
        "api_token_revoke",
        "ticket_bulk",
        "ticket_reply",
        "ticket_status",
        "ticket_priority",
        "ticket_category",
        "ticket_assignee",
        "ticket_take",
        "ticket_team",
        "ticket_tags",
        "ticket_transfer",
        "ticket_merge",
        "notification_read",
        "sla:holiday_add",
        "sla:holidays_load",
        "sla:holiday_delete",
    }
)


@dataclass(frozen=True)
class Route:
    name: str
    params: frozenset[str]


def tenant_routes(urlconf: str = "helpdesk.urls") -> Iterator[Route]:
    seen = set()
    for namespace, pattern in _walk(get_resolver(urlconf).url_patterns, ""):
        params = frozenset(pattern.pattern.regex.groupindex)
        name = f"{namespace}{pattern.name}"
        if pattern.name is None or "format" in params or name in seen:
            continue  # DRF's ".json" suffix variants repeat the plain routes
        seen.add(name)
        yield Route(name, params)


def _walk(patterns, namespace: str) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        else:
            yield namespace, entry
