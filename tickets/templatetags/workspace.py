"""Small helpers for the workspace pages and the navigation bar."""

import re

from django import template

from helpdesk.selectors import unread_notification_count

register = template.Library()

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The navigation badge: counted when the request's membership was read
    (``membership_for``), else one indexed COUNT on (recipient, read_at)."""
    membership = context.get("membership")
    if not membership:
        return 0
    counted = getattr(membership, "unread_notification_count", None)
    return unread_notification_count(member=membership) if counted is None else counted


@register.filter
def safe_colour(value: str) -> str:
    """A tier colour goes into a style attribute: only a plain hex colour is let through."""
    return value if value and HEX_COLOUR.match(value) else "#6b7280"


@register.filter
def duration(seconds: int | None) -> str:
    """Call duration as m:ss (or h:mm:ss)."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
