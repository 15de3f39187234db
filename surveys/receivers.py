"""What surveys do when another app's event happens (wired in ``config/events.py``)."""

from surveys.services import survey_on_ticket_resolved
from tickets.models import Ticket


def survey_on_resolved(*, ticket: Ticket, **event) -> None:
    """Invite the customer and plan the tier's follow-up call (``survey_on_ticket_resolved``)."""
    survey_on_ticket_resolved(ticket=ticket)
