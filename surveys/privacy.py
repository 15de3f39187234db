"""What surveys hold about a person: their sections of the customer data export, and the
erasure of their survey rows (``receivers.py`` connects these to the customers and tickets
signals).

Erasing keeps what ``reports`` counts: survey scores, follow-up outcomes and every timestamp.
"""

import secrets
from datetime import datetime

from django.db.models import QuerySet

from customers.privacy_export import iso

from .models import FollowUp, SurveyInvitation, SurveyResponse

# --- the export ----------------------------------------------------------------------------------


def surveys_section(ids: list[int]) -> list[dict]:

    invitations = (
        SurveyInvitation.objects.filter(customer_id__in=ids)
        .select_related("ticket", "response")
        .order_by("created_at", "pk")
    )
    return [
        {
            "ticket": invitation.ticket.number,
            "sent_at": iso(invitation.created_at),
            "expires_at": iso(invitation.expires_at),
            "reminder_sent_at": iso(invitation.reminder_sent_at),
            "language": invitation.language,
            "response": _survey_response(getattr(invitation, "response", None)),
        }
        for invitation in invitations
    ]


def _survey_response(response) -> dict | None:
    if response is None:
        return None
    return {
        **response.answers(),
        "answered_at": iso(response.created_at),
        "edited_at": iso(response.edited_at),
    }


def follow_ups_section(ids: list[int]) -> list[dict]:

    follow_ups = (
        FollowUp.objects.filter(customer_id__in=ids)
        .select_related("ticket")
        .order_by("due_at", "pk")
    )
    return [
        {
            "ticket": follow_up.ticket.number,
            "kind": follow_up.kind,
            "channel": follow_up.channel,
            "status": follow_up.status,
            "outcome": follow_up.outcome,
            "notes": follow_up.notes,
            "due_at": iso(follow_up.due_at),
            "done_at": iso(follow_up.done_at),
            "created_at": iso(follow_up.created_at),
        }
        for follow_up in follow_ups
    ]


# --- erasure -------------------------------------------------------------------------------------


def ticket_survey_rows_blank(ticket_ids: list[int], now: datetime) -> None:
    """The comments and notes written about erased tickets; their survey links stop working.
    Precondition: in the erasing transaction, tenant scope active."""
    SurveyResponse.objects.filter(ticket_id__in=ticket_ids).update(comment="")
    _survey_links_revoke(SurveyInvitation.objects.filter(ticket_id__in=ticket_ids), now)
    FollowUp.objects.filter(ticket_id__in=ticket_ids).update(notes="")


def person_survey_rows_blank(customer_ids: list[int], now: datetime) -> None:
    """Survey and follow-up rows keyed to the customer (after a merge, not to their tickets).
    Precondition: in the anonymising transaction, tenant scope active."""
    SurveyResponse.objects.filter(invitation__customer_id__in=customer_ids).update(comment="")
    _survey_links_revoke(SurveyInvitation.objects.filter(customer_id__in=customer_ids), now)
    FollowUp.objects.filter(customer_id__in=customer_ids).update(notes="")


def _survey_links_revoke(invitations: QuerySet, now: datetime) -> None:
    """A survey link opens the answer page: expire it, and replace the hash its token matches
    (the token itself is never stored) by one no token has."""
    invitations.filter(expires_at__gt=now).update(expires_at=now, remind_at=None)
    for pk in invitations.values_list("pk", flat=True):
        invitations.filter(pk=pk).update(token_hash=secrets.token_hex(32))
