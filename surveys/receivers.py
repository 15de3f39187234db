"""What surveys do when another app's event happens (wired in ``config/events.py``): invite
on resolution, and export and blank survey invitations, responses and follow-ups. Every
receiver runs inside the sender's transaction and tenant scope."""

from surveys import privacy
from surveys.services import survey_on_ticket_resolved
from tickets.models import Ticket


def survey_on_resolved(*, ticket: Ticket, **event) -> None:
    """Invite the customer and plan the tier's follow-up call (``survey_on_ticket_resolved``)."""
    survey_on_ticket_resolved(ticket=ticket)


def export_surveys(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "surveys", privacy.surveys_section(customer_ids)


def export_follow_ups(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "follow_ups", privacy.follow_ups_section(customer_ids)


def blank_ticket_rows(*, ticket_ids: list[int], now, **_kwargs) -> None:
    privacy.ticket_survey_rows_blank(ticket_ids, now)


def blank_person_rows(*, customer_ids: list[int], now, **_kwargs) -> None:
    privacy.person_survey_rows_blank(customer_ids, now)
