"""Warranty arithmetic: month ends, leap years, and never shorter than the months sold."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from products.warranty import (
    anniversary,
    earliest_purchase_in_warranty,
    in_warranty,
    warranty_end,
)


@pytest.mark.parametrize(
    ("purchased", "months", "ends"),
    [
        (date(2026, 3, 1), 12, date(2027, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 14)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: covered to month end
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # a leap day's anniversary
        (date(2028, 2, 29), 48, date(2032, 2, 28)),  # the next leap day
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 30)),
        (date(2026, 12, 1), 1, date(2026, 12, 31)),
        (date(2026, 5, 10), 24, date(2028, 5, 9)),
    ],
)
def test_it_ends_the_day_before_the_anniversary(purchased, months, ends):
    assert warranty_end(purchased, months) == ends


def test_it_gives_no_warranty_for_zero_months():
    assert warranty_end(date(2026, 5, 10), 0) is None
    assert not in_warranty(None, date(2026, 5, 10))


def test_it_covers_the_last_day_and_not_the_next():
    ends = warranty_end(date(2026, 3, 1), 12)
    assert in_warranty(ends, ends)
    assert not in_warranty(ends, ends + timedelta(days=1))
    assert in_warranty(ends, date(2026, 3, 1))


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=120),
)
def test_it_is_never_shorter_than_the_months_sold(purchased, months):
    ends = warranty_end(purchased, months)
    # Every day of the month the period ends in is reached: no clamped short month.
    last = anniversary(purchased, months)
    assert ends == last - timedelta(days=1)
    assert last.day in (purchased.day, 1)
    whole_months = (last.year - purchased.year) * 12 + last.month - purchased.month
    assert whole_months in (months, months + 1)
    assert whole_months == months or last.day == 1


@pytest.mark.parametrize("months", [1, 6, 12, 24, 36])
def test_it_finds_the_earliest_purchase_still_in_warranty_as_the_unit_by_unit_rule(months):
    """Every day of a leap year and its neighbours, against the rule each unit applies."""
    today = date(2023, 12, 1)
    while today < date(2025, 3, 31):
        first = earliest_purchase_in_warranty(months, today)
        assert in_warranty(warranty_end(first, months), today)
        assert not in_warranty(warranty_end(first - timedelta(days=1), months), today)
        today += timedelta(days=1)
    assert earliest_purchase_in_warranty(0, today) is None
