"""Business-hours arithmetic: pure functions, no database.

A ``Schedule`` is a time zone, opening intervals per weekday and holidays (or round the
clock). Time is counted in real elapsed seconds inside open windows, so a working day that
crosses a DST change counts the hours that really passed. Intervals whose end is not after
their start run overnight into the next day (22:00–06:00). A holiday closes the intervals
that *start* on that date. Excluded spans (a ticket's pauses) are cut out of the windows.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Span = tuple[datetime, datetime]

# Looking further than this for open time means the schedule is effectively closed.
MAX_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def round_the_clock(cls, zone: str = "UTC") -> "Schedule":
        return cls(zone=ZoneInfo(zone), always_open=True)


class ClosedScheduleError(ValueError):
    """The schedule has no open time within the search horizon."""


def _local_windows(schedule: Schedule, day: date) -> Iterator[Span]:
    if day in schedule.holidays:
        return
    for opens, closes in schedule.weekly.get(day.weekday(), ()):
        start = datetime.combine(day, opens, tzinfo=schedule.zone)
        end_day = day if closes > opens else day + timedelta(days=1)
        end = datetime.combine(end_day, closes, tzinfo=schedule.zone)
        yield start.astimezone(UTC), end.astimezone(UTC)


def open_windows(schedule: Schedule, since: datetime) -> Iterator[Span]:
    """Open spans in UTC, in order, merged, clipped to start at ``since``."""
    since = since.astimezone(UTC)
    if schedule.always_open:
        yield since, since + timedelta(days=MAX_SEARCH_DAYS)
        return
    first_day = since.astimezone(schedule.zone).date() - timedelta(days=1)
    pending: Span | None = None
    for offset in range(MAX_SEARCH_DAYS + 2):
        for start, end in sorted(_local_windows(schedule, first_day + timedelta(days=offset))):
            if end <= since or end <= start:
                continue
            start = max(start, since)
            if pending and start <= pending[1]:
                pending = (pending[0], max(pending[1], end))
                continue
            if pending:
                yield pending
            pending = (start, end)
    if pending:
        yield pending


def _subtract(windows: Iterable[Span], excluded: list[Span]) -> Iterator[Span]:
    spans = sorted(excluded)
    for start, end in windows:
        cursor = start
        for ex_start, ex_end in spans:
            if ex_end <= cursor or ex_start >= end:
                continue
            if ex_start > cursor:
                yield cursor, ex_start
            cursor = max(cursor, ex_end)
            if cursor >= end:
                break
        if cursor < end:
            yield cursor, end


def add_business_seconds(
    schedule: Schedule, start: datetime, seconds: float, excluded: list[Span] = ()
) -> datetime:
    """The moment ``seconds`` of open time (outside ``excluded``) have passed since ``start``."""
    remaining = timedelta(seconds=seconds)
    windows = _subtract(open_windows(schedule, start), list(excluded))
    for window_start, window_end in windows:
        length = window_end - window_start
        if remaining <= length:
            return window_start + remaining
        remaining -= length
    raise ClosedScheduleError("No open time in the schedule within the search horizon.")


def business_seconds_between(
    schedule: Schedule, start: datetime, end: datetime, excluded: list[Span] = ()
) -> float:
    """Open time (outside ``excluded``) between two moments, in seconds; 0 if end <= start."""
    if end <= start:
        return 0.0
    total = timedelta()
    for window_start, window_end in _subtract(open_windows(schedule, start), list(excluded)):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total.total_seconds()
