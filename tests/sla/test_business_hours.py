"""Business-hours arithmetic: table tests and property tests."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.business_hours import (
    ClosedScheduleError,
    Schedule,
    add_business_seconds,
    business_seconds_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_SIX = ((time(9), time(18)),)
WEEKDAYS = dict.fromkeys(range(5), NINE_TO_SIX)
OFFICE = Schedule(zone=SHANGHAI, weekly=WEEKDAYS)
HOUR = 3600


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


@pytest.mark.parametrize(
    ("start", "seconds", "expected"),
    [
        # inside the day
        (local(SHANGHAI, 2026, 11, 23, 10, 0), HOUR, local(SHANGHAI, 2026, 11, 23, 11, 0)),
        # before opening: the clock starts at 09:00
        (local(SHANGHAI, 2026, 11, 23, 7, 0), HOUR, local(SHANGHAI, 2026, 11, 23, 10, 0)),
        # runs past closing into the next morning
        (local(SHANGHAI, 2026, 11, 23, 17, 30), HOUR, local(SHANGHAI, 2026, 11, 24, 9, 30)),
        # Friday evening → Monday
        (local(SHANGHAI, 2026, 11, 27, 17, 0), 2 * HOUR, local(SHANGHAI, 2026, 11, 30, 10, 0)),
        # Saturday start
        (local(SHANGHAI, 2026, 11, 28, 12, 0), 30 * 60, local(SHANGHAI, 2026, 11, 30, 9, 30)),
        # exactly at closing: nothing left today
        (local(SHANGHAI, 2026, 11, 23, 18, 0), 60, local(SHANGHAI, 2026, 11, 24, 9, 1)),
        # 24 working hours = 2 days + 6 hours
        (local(SHANGHAI, 2026, 11, 23, 9, 0), 24 * HOUR, local(SHANGHAI, 2026, 11, 25, 15, 0)),
    ],
)
def test_it_adds_working_time(start, seconds, expected):
    assert add_business_seconds(OFFICE, start, seconds) == expected


def test_it_skips_holidays():
    national_day = Schedule(
        zone=SHANGHAI, weekly=WEEKDAYS, holidays=frozenset({date(2026, 10, d) for d in range(1, 8)})
    )
    start = local(SHANGHAI, 2026, 9, 30, 17, 0)
    assert add_business_seconds(national_day, start, 2 * HOUR) == local(
        SHANGHAI, 2026, 10, 8, 10, 0
    )


def test_it_handles_several_intervals_a_day():
    split = Schedule(zone=SHANGHAI, weekly={0: ((time(9), time(12)), (time(13), time(18)))})
    start = local(SHANGHAI, 2026, 11, 23, 11, 0)
    assert add_business_seconds(split, start, 2 * HOUR) == local(SHANGHAI, 2026, 11, 23, 14, 0)


def test_it_runs_overnight_intervals_into_the_next_day():
    night = Schedule(zone=SHANGHAI, weekly={0: ((time(22), time(6)),)})
    start = local(SHANGHAI, 2026, 11, 23, 21, 0)  # Monday
    assert add_business_seconds(night, start, 3 * HOUR) == local(SHANGHAI, 2026, 11, 24, 1, 0)
    assert business_seconds_between(night, start, local(SHANGHAI, 2026, 11, 24, 12, 0)) == 8 * HOUR


def test_round_the_clock_is_plain_elapsed_time():
    always = Schedule.round_the_clock("Asia/Shanghai")
    start = local(SHANGHAI, 2026, 11, 28, 23, 50)
    assert add_business_seconds(always, start, 30 * 60) == start + timedelta(minutes=30)


def test_a_dst_day_counts_real_elapsed_hours():
    # 2026-03-08: New York jumps from 02:00 to 03:00. A 00:00–12:00 day is 11 real hours.
    schedule = Schedule(zone=NEW_YORK, weekly={6: ((time(0), time(12)),)})
    start = local(NEW_YORK, 2026, 3, 8, 0, 0)
    assert (
        business_seconds_between(schedule, start, local(NEW_YORK, 2026, 3, 8, 12, 0)) == 11 * HOUR
    )
    assert add_business_seconds(schedule, start, 4 * HOUR) == local(NEW_YORK, 2026, 3, 8, 5, 0)


def test_a_dst_fall_back_day_counts_the_repeated_hour():
    schedule = Schedule(zone=NEW_YORK, weekly={6: ((time(0), time(12)),)})
    start = local(NEW_YORK, 2026, 11, 1, 0, 0)
    assert (
        business_seconds_between(schedule, start, local(NEW_YORK, 2026, 11, 1, 12, 0)) == 13 * HOUR
    )


def test_a_pause_across_the_weekend_adds_no_extra_time_but_its_weekday_part_does():
    start = local(SHANGHAI, 2026, 11, 27, 16, 0)  # Friday 16:00
    pause = (local(SHANGHAI, 2026, 11, 27, 17, 0), local(SHANGHAI, 2026, 11, 30, 10, 0))
    # 1 h Friday before the pause, 1 h of the pause falls on Friday and 1 h on Monday;
    # so 2 h of target run out at Monday 11:00.
    due = add_business_seconds(OFFICE, start, 2 * HOUR, excluded=[pause])
    assert due == local(SHANGHAI, 2026, 11, 30, 11, 0)


def test_a_schedule_without_open_time_says_so():
    with pytest.raises(ClosedScheduleError):
        add_business_seconds(Schedule(zone=SHANGHAI), local(SHANGHAI, 2026, 1, 1, 0, 0), 60)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=200 * HOUR)
zones = st.sampled_from([SHANGHAI, NEW_YORK, ZoneInfo("Europe/London"), ZoneInfo("UTC")])


@st.composite
def schedules(draw):
    zone = draw(zones)
    weekly = {}
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        opens = draw(st.integers(0, 22))
        closes = draw(st.integers(0, 23))
        weekly[day] = (
            ((time(opens), time(closes)),) if opens != closes else ((time(opens), time(23)),)
        )
    holidays = frozenset(draw(st.sets(st.dates(date(2025, 1, 1), date(2029, 12, 31)), max_size=20)))
    return Schedule(zone=zone, weekly=weekly, holidays=holidays)


def fits_in_a_year(schedule: Schedule, seconds: int) -> bool:
    """Targets beyond the search horizon (three years of open time) are out of scope."""
    weekly = sum(
        ((closes.hour - opens.hour) % 24 or 24) * HOUR
        for intervals in schedule.weekly.values()
        for opens, closes in intervals
    )
    return seconds <= weekly * 52


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), start=moments, seconds=durations)
def test_adding_then_measuring_round_trips(schedule, start, seconds):
    assume(fits_in_a_year(schedule, seconds))
    due = add_business_seconds(schedule, start, seconds)
    assert due >= start
    assert business_seconds_between(schedule, start, due) == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    schedule=schedules(),
    start=moments,
    seconds=durations,
    pause_offset=st.integers(0, 100 * HOUR),
    pause_length=st.integers(0, 100 * HOUR),
)
def test_a_pause_round_trips_and_never_makes_the_deadline_earlier(
    schedule, start, seconds, pause_offset, pause_length
):
    assume(fits_in_a_year(schedule, seconds + pause_length))
    pause_start = start + timedelta(seconds=pause_offset)
    pause = [(pause_start, pause_start + timedelta(seconds=pause_length))]
    plain = add_business_seconds(schedule, start, seconds)
    paused = add_business_seconds(schedule, start, seconds, excluded=pause)
    assert paused >= plain
    assert business_seconds_between(schedule, start, paused, excluded=pause) == pytest.approx(
        seconds, abs=1e-6
    )
