"""Erasure of what tickets say about their customer (PIPL / GDPR), and keeping what reports count.

``tickets_personal_data_erase`` is the one way a ticket loses its personal data: the retention
sweep (``tickets.retention``) calls it for closed tickets past the tenant's period, and the
receivers in ``tickets.receivers`` call it when a customer is anonymised on request
(``customers.services.customer_anonymise``). Apps above tickets erase their own rows about the
tickets on ``tickets.events.ticket_data_erase``.
"""

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from customers.models import CustomerEmail
from customers.services import erased_text
from helpdesk.audit import audit_record
from helpdesk.models import Membership
from helpdesk.webhooks import webhook_log_scrub

from .events import ticket_data_erase
from .models import Attachment, IncidentUpdateDelivery, Message, Ticket

logger = logging.getLogger(__name__)


@transaction.atomic
def tickets_personal_data_erase(
    *, tickets: list, cause: str, actor: Membership | None = None, now: datetime | None = None
) -> int:
    """Blank what the tickets say about their customer and keep what the reports count.

    Blanked: subject and description (to the cause's placeholder), fault symptom, caller, every
    message body — internal notes too —, survey comments, follow-up notes, and the subject and
    comments in the webhook log. Deleted: attachments (their files after the commit) and the
    e-mails still owed about the tickets. Survey links stop working. Kept: status, priority,
    category, team, channel, product, every timestamp, SLA rows, survey scores and follow-up
    outcomes — so every KPI in ``reports`` stays the same. A ticket erased for the first time
    gets ``personal_data_erased_at`` and a ``personal_data_erased`` event. Idempotent; returns
    how many were erased for the first time.

    Precondition: the tenant scope is active, the tickets (of one tenant, ``tenant`` loaded)
    are locked by the caller's transaction; ``cause`` is a ``customers.services.ErasureCause``.
    """
    if not tickets:
        return 0
    now = now or timezone.now()
    text = erased_text(tickets[0].tenant, cause)
    first = [ticket for ticket in tickets if ticket.personal_data_erased_at is None]
    for ticket in tickets:
        _ticket_fields_blank(ticket, text, now)
    ticket_ids = [ticket.pk for ticket in tickets]
    _ticket_rows_blank(ticket_ids, text)
    # Surveys' rows about the tickets (comments, follow-up notes, links): surveys' receivers.
    ticket_data_erase.send(sender=Ticket, ticket_ids=ticket_ids, now=now)
    webhook_log_scrub(ticket_numbers=[ticket.number for ticket in tickets], text=text)
    for ticket in first:
        _ticket_erased_event(ticket, actor, cause, now)
    return len(first)


def _ticket_fields_blank(ticket, text: str, now: datetime) -> None:
    ticket.subject = text
    ticket.description = text if ticket.description else ""
    ticket.fault_symptom = ticket.caller = ""
    ticket.personal_data_erased_at = ticket.personal_data_erased_at or now
    # ``updated_at`` stays: nothing the desk works with or reports on has changed.
    fields = ["subject", "description", "fault_symptom", "caller", "personal_data_erased_at"]
    ticket.save(update_fields=fields)


def _ticket_rows_blank(ticket_ids: list[int], text: str) -> None:
    Message.objects.filter(ticket_id__in=ticket_ids).update(body=text)
    _attachments_delete(Attachment.objects.filter(message__ticket_id__in=ticket_ids))
    CustomerEmail.objects.filter(ticket_id__in=ticket_ids, sent_at__isnull=True).delete()


def _attachments_delete(attachments: QuerySet) -> None:
    """Rows now, files once the deletion is committed (a rollback keeps both)."""
    names = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    if names:
        storage = attachments.model._meta.get_field("file").storage
        transaction.on_commit(lambda: _files_delete(storage, names))


def _files_delete(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # The row is gone, so nothing serves the file any more; the operator removes it.
            logger.warning("could not delete erased attachment file %s", name, exc_info=True)


def _ticket_erased_event(ticket, actor: Membership | None, cause: str, now: datetime) -> None:
    audit_record(
        tenant=ticket.tenant_id,
        actor=actor,
        action="personal_data_erased",
        target=ticket,
        data={"cause": cause},
        created_at=now,
    )


# --- one person's tickets (``customers.events``) ------------------------------------------------


def customer_tickets_erase(
    *, customer_ids: list[int], cause: str, actor: Membership | None, now: datetime
) -> int:
    """Every ticket of the person, erased; returns how many for the first time.

    Precondition: inside the anonymising transaction, before it locks the customer rows: the
    retention sweep holds ticket rows and then waits for a customer row, so taking them in
    the same order cannot deadlock with it.
    """
    tickets = Ticket.objects.filter(customer_id__in=customer_ids).select_related("tenant")
    if connection.features.has_select_for_update:
        tickets = tickets.select_for_update(of=("self",))
    return tickets_personal_data_erase(
        tickets=list(tickets.order_by("pk")), cause=cause, actor=actor, now=now
    )


def person_rows_blank(*, customer_ids: list[int], text: str) -> None:
    """What the person wrote on tickets that are not theirs (a merge moved the ticket), and the
    incident updates still owed to them. Precondition: in the anonymising transaction."""
    Message.objects.filter(author_customer_id__in=customer_ids).update(body=text)
    IncidentUpdateDelivery.objects.filter(
        customer_id__in=customer_ids, sent_at__isnull=True
    ).delete()


def tickets_keep_personal_data(*, customer_ids: list[int]) -> bool:
    """Whether a ticket of the person still has personal data (retention: not yet erased)."""
    return Ticket.objects.filter(
        customer_id__in=customer_ids, personal_data_erased_at__isnull=True
    ).exists()
