"""Webhook payload of a survey answer: survey.answered (also when an answer is edited).

Registered with ``helpdesk.webhooks`` when the app is ready; called for the
``survey_answered`` and ``survey_edited`` audit rows ``surveys.services`` records on a ticket.
"""

from helpdesk.webhooks import webhook_builder
from surveys.models import SurveyResponse

ACTIONS = frozenset({"survey_answered", "survey_edited"})


@webhook_builder("tickets.ticket")
def survey_webhooks(change):
    if change.action not in ACTIONS:
        return

    def payload() -> dict:
        response = SurveyResponse.objects.get(pk=change.data["response"])
        return {
            "response_id": response.pk,
            "ticket_number": change.target.number,
            **response.answers(),
            "edited": response.edited_at is not None,
            "answered_at": response.created_at,
        }

    yield "survey.answered", payload
