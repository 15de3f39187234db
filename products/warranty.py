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


def earliest_purchase_in_warranty(months: int, today: date) -> date | None:
    """The earliest purchase date whose warranty of ``months`` still covers ``today`` (None for
    no warranty). ``anniversary`` never decreases as the purchase moves later, so the purchases
    in warranty on ``today`` are exactly those on or after this day: a list can be filtered
    with one date comparison per warranty period instead of computing every unit's end."""
    if months <= 0:
        return None
    low = anniversary_back(today, months) - timedelta(days=3)
    while anniversary(low, months) > today:  # never more than a step or two
        low -= timedelta(days=1)
    while anniversary(low, months) <= today:
        low += timedelta(days=1)
    return low


def anniversary_back(day: date, months: int) -> date:
    """``day`` moved back by ``months`` calendar months, clamped to the month's last day."""
    index = day.month - 1 - months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
