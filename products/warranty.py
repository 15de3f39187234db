"""Warranty arithmetic: pure functions of dates, no database.

A warranty of N months covers the purchase day through the day before its N-month anniversary.
Where the anniversary's month has no such day (bought on 31 January, a one-month warranty;
bought on 29 February, a one-year warranty), the anniversary is the first day of the month
after, so the warranty ends on that month's last day: it is never shorter than N months.
"""

import calendar
from datetime import date, timedelta


def anniversary(start: date, months: int) -> date:
    """``start`` moved on by ``months`` calendar months; a missing day rolls to the 1st of the
    month after (31 Jan + 1 month → 1 Mar)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + month // 12, month % 12 + 1, 1)


def warranty_end(purchased_on: date, months: int) -> date | None:
    """The last day a warranty of ``months`` bought on ``purchased_on`` covers; None for none."""
    if months <= 0:
        return None
    return anniversary(purchased_on, months) - timedelta(days=1)


def in_warranty(ends_on: date | None, today: date) -> bool:
    return ends_on is not None and today <= ends_on
