"""What the conditions read off a ticket: a mapping that works each fact out when a condition
first asks for it, so that a tenant's triggers cost only the facts they name (the tier, the
SLA row, the tags, the survey score are each a query, read once per run)."""

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from django.utils import timezone

from sla.business_hours import open_windows
from sla.models import Colour, TicketSla
from sla.rules import is_repeat_complaint
from sla.services import active_policies, policy_for, schedule_for
from surveys.models import SurveyResponse
from tickets.models import Message, Ticket

SECONDS_PER_HOUR = 3600


class Facts(Mapping):
    """``facts[name]`` for every field of ``automations.conditions.FIELDS``."""

    def __init__(self, ticket: Ticket, *, message: Message | None = None, now=None):
        self.ticket = ticket
        self.message = message
        self.now = now or timezone.now()
        self._known: dict[str, object] = {}

    def forget(self) -> None:
        """After an action changed the ticket: work every fact out again when asked."""
        self._known.clear()

    def __getitem__(self, name: str) -> object:
        if name not in self._known:
            reader = READERS.get(name)
            if reader is None:
                raise KeyError(name)
            self._known[name] = reader(self)
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(READERS)

    def __len__(self) -> int:
        return len(READERS)


def _hours_since(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else (now - moment).total_seconds() / SECONDS_PER_HOUR


def _customer(facts: Facts):
    return facts.ticket.customer


def _tier(facts: Facts):
    """The tier that serves the customer: their own, else their organisation's."""
    return _customer(facts).effective_tier


def _sla_state(facts: Facts) -> str:
    colour = TicketSla.objects.filter(ticket_id=facts.ticket.pk).values_list("colour", flat=True)
    return colour.first() or Colour.NONE


def _entitlement(facts: Facts) -> list[str]:
    kinds = (
        TicketSla.objects.filter(ticket_id=facts.ticket.pk)
        .values_list("entitlement_kinds", flat=True)
        .first()
    )
    return list(kinds or [])


def _survey_score(facts: Facts) -> int | None:
    """The overall score (1–5) of the ticket's latest survey answer."""
    return (
        SurveyResponse.objects.filter(ticket_id=facts.ticket.pk)
        .order_by("-pk")
        .values_list("overall", flat=True)
        .first()
    )


def _bad_survey(facts: Facts) -> bool:
    """Whether the ticket's latest survey answer is a bad one, by the surveys' own rule."""
    latest = SurveyResponse.objects.filter(ticket_id=facts.ticket.pk).order_by("-pk").first()
    return latest is not None and latest.is_bad


def _within_business_hours(facts: Facts) -> bool:
    """Whether now is open time on the calendar of the ticket's SLA policy (no policy: yes)."""
    policy = policy_for(facts.ticket, active_policies())
    if policy is None:
        return True
    window = next(open_windows(schedule_for(policy.calendar), facts.now), None)
    return window is not None and window[0] <= facts.now


def _message_text(facts: Facts) -> str:
    return facts.message.body if facts.message is not None else ""


READERS: dict[str, Callable[[Facts], object]] = {
    "status": lambda f: f.ticket.status,
    "priority": lambda f: f.ticket.priority,
    "channel": lambda f: f.ticket.channel,
    "language": lambda f: _customer(f).language or f.ticket.tenant.default_language,
    "sla_state": _sla_state,
    "entitlement": _entitlement,
    "category": lambda f: f.ticket.category_id,
    "team": lambda f: f.ticket.team_id,
    "assignee": lambda f: f.ticket.assignee_id,
    "tier": lambda f: _tier(f).code if _tier(f) is not None else None,
    "organisation": lambda f: _customer(f).organization_id,
    "tags": lambda f: list(f.ticket.tags.values_list("name", flat=True)),
    "subject": lambda f: f.ticket.subject,
    "description": lambda f: f.ticket.description,
    "message": _message_text,
    "subject_or_text": lambda f: "\n".join(
        (f.ticket.subject, f.ticket.description, _message_text(f))
    ),
    "reopens": lambda f: f.ticket.reopened_count,
    "survey_score": _survey_score,
    "bad_survey": _bad_survey,
    "hours_since_created": lambda f: _hours_since(f.ticket.created_at, f.now),
    "hours_since_updated": lambda f: _hours_since(f.ticket.updated_at, f.now),
    "hours_since_customer_message": lambda f: _hours_since(
        f.ticket.last_customer_reply_at or f.ticket.created_at, f.now
    ),
    "within_business_hours": _within_business_hours,
    "is_vip": lambda f: bool(_tier(f) is not None and _tier(f).is_vip),
    "is_complaint": lambda f: bool(f.ticket.category_id and f.ticket.category.is_complaint),
    "repeat_complaint": lambda f: is_repeat_complaint(f.ticket),
}
