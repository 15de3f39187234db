"""Deadlines and checkpoints of one ticket: a pure function of policy, calendar and the
ticket's clock. No database; the services feed it and store what it returns."""

from dataclasses import dataclass
from datetime import datetime

from .business_hours import Schedule, Span, add_business_seconds

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
WARNING, BREACH, MANAGER = "warning", "breach", "manager"


@dataclass(frozen=True)
class Targets:
    first_response_seconds: int | None  # None: no first-response target (a contract's own)
    next_response_seconds: int | None
    resolution_seconds: int | None
    amber_percent: int = 75
    manager_after_percent: int = 50


@dataclass(frozen=True)
class Clock:
    """What the ticket has done so far. ``next_response_started_at`` is set while a customer
    message waits for an agent's answer; ``paused_since`` while the clock stands still."""

    created_at: datetime
    first_responded_at: datetime | None = None
    resolution_started_at: datetime | None = None
    resolved_at: datetime | None = None
    next_response_started_at: datetime | None = None
    paused_since: datetime | None = None
    pauses: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Checkpoint:
    target: str
    level: str
    at: datetime


@dataclass(frozen=True)
class Deadlines:
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    checkpoints: tuple[Checkpoint, ...]  # of targets not met yet
    paused: bool
    done: bool

    def colour(self, now: datetime, *, breached_before: bool = False) -> str:
        if self.paused:
            return "paused"
        passed = {cp.level for cp in self.checkpoints if cp.at <= now}
        if BREACH in passed or MANAGER in passed:
            return "red"
        if WARNING in passed:
            return "amber"
        if self.checkpoints:
            return "green"
        return "red" if breached_before else ("met" if self.done else "none")

    @property
    def next_deadline_at(self) -> datetime | None:
        dues = [cp.at for cp in self.checkpoints if cp.level == BREACH]
        return min(dues) if dues else None


def ladder(
    schedule: Schedule,
    target: str,
    start: datetime,
    seconds: int,
    amber_percent: int,
    manager_after_percent: int,
    pauses: list[Span] = (),
) -> list[Checkpoint]:
    """The three rungs of one target started at ``start``: amber at ``amber_percent`` of it,
    the breach at its end, the managers after a further ``manager_after_percent``. Also the
    ladder of a work order's promise (``fieldservice.targets``)."""
    shares = {
        WARNING: amber_percent / 100,
        BREACH: 1.0,
        MANAGER: 1.0 + manager_after_percent / 100,
    }
    return [
        Checkpoint(target, level, add_business_seconds(schedule, start, seconds * share, pauses))
        for level, share in shares.items()
    ]


def _checkpoints(
    schedule: Schedule, target: str, start: datetime, seconds: int, t: Targets, pauses: list[Span]
) -> list[Checkpoint]:
    return ladder(
        schedule, target, start, seconds, t.amber_percent, t.manager_after_percent, pauses
    )


def compute(targets: Targets, schedule: Schedule, clock: Clock) -> Deadlines:
    pauses = list(clock.pauses)
    done = clock.resolved_at is not None
    if clock.paused_since is not None and not done:
        return Deadlines(None, None, None, (), paused=True, done=False)
    due: dict[str, datetime | None] = {FIRST_RESPONSE: None, NEXT_RESPONSE: None, RESOLUTION: None}
    checkpoints: list[Checkpoint] = []
    running = []
    if targets.first_response_seconds and clock.first_responded_at is None and not done:
        running.append((FIRST_RESPONSE, clock.created_at, targets.first_response_seconds))
    if targets.next_response_seconds and clock.next_response_started_at and not done:
        running.append(
            (NEXT_RESPONSE, clock.next_response_started_at, targets.next_response_seconds)
        )
    if targets.resolution_seconds and not done:
        start = clock.resolution_started_at or clock.created_at
        running.append((RESOLUTION, start, targets.resolution_seconds))
    for target, start, seconds in running:
        points = _checkpoints(schedule, target, start, seconds, targets, pauses)
        due[target] = next(cp.at for cp in points if cp.level == BREACH)
        checkpoints.extend(points)
    return Deadlines(
        first_response_due_at=due[FIRST_RESPONSE],
        next_response_due_at=due[NEXT_RESPONSE],
        resolution_due_at=due[RESOLUTION],
        checkpoints=tuple(sorted(checkpoints, key=lambda cp: cp.at)),
        paused=False,
        done=done,
    )
