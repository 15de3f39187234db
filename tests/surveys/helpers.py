"""Builders for survey tests, going through the services like the product does.
Preconditions: the tenant's scope is active."""

from helpdesk.models import Membership
from surveys.models import SurveyResponse
from surveys.services import survey_answer
from tickets import services as ticket_services
from tickets.models import Status, Ticket


def answered_survey(
    ticket: Ticket, *, actor: Membership, overall: int = 4, **answers
) -> SurveyResponse:
    """Resolve the ticket (which invites the customer) and record the customer's answer.
    A satisfied answer closes the ticket, a bad one opens its follow-ups."""
    ticket_services.ticket_change_status(ticket=ticket, actor=actor, status=Status.RESOLVED)
    invitation = ticket.survey_invitations.get(cycle=ticket.reopened_count)
    return survey_answer(invitation=invitation, overall=overall, **answers)
