"""``markup()``: Django's ``format_html`` for markup built in a loop.

``format_html`` escapes each value through ``conditional_escape``, whose lazy-string wrapper
inspects every argument first; a queue page escapes about a thousand values that way, and the
checks cost more than the escaping. This does the same escaping directly: a value that knows
its own HTML (``__html__``: safe strings, forms) is used as it is, anything else is turned into
text and escaped by ``html.escape`` with quotes, which is what Django's ``escape`` calls.
"""

from html import escape

from django.utils.safestring import SafeString


def markup(template: str, *values: object) -> SafeString:
    """``template.format(*values)`` with each value escaped unless it is already HTML."""
    # The template is the caller's own markup; every value in it is escaped by _escaped().
    return SafeString(template.format(*(_escaped(value) for value in values)))  # nosec B703


def markup_join(separator: str, template: str, rows) -> SafeString:
    """``format_html_join``: ``markup(template, *row)`` for each row, joined."""
    # Each row is safe markup (above); the separator is the caller's own.
    return SafeString(separator.join(markup(template, *row) for row in rows))  # nosec B703


def _escaped(value: object) -> str:
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))
