"""E-mails owed by a row: each sent once, and none lost when a worker dies half way.

An owed e-mail is a row whose "sent" timestamp is still empty (``Notification.emailed_at``,
``IncidentUpdateDelivery.sent_at``, ``CustomerEmail.sent_at``, ``SurveyInvitation.emailed_at``
and ``.reminder_emailed_at``). ``email_send_once`` claims the row with a conditional
``UPDATE … SET <field> = now WHERE pk = … AND <field> IS NULL``, hands the message to the mail
server, and only then commits: claim, send and mark are one transaction.

* A second sender (a redelivered task, the catch-up sweep, a racing worker) waits on the row
  lock until the first one commits, then finds the row sent and sends nothing.
* A send that raises, or a worker killed before the mail server has the message, rolls the
  claim back (PostgreSQL aborts the transaction of a connection that died): the row is owed
  again and the retry or the catch-up sweep sends it. Nothing is lost.
* A worker killed after the mail server accepted the message but before the COMMIT (one round
  trip) leaves the row owed, and the catch-up sends that message a second time. No protocol
  closes this window between two systems; both copies carry the same ``Message-ID``
  (``stable_message_id``), by which mail clients and archives recognise a duplicate.

The price is a row lock held for one SMTP exchange, bounded by ``EMAIL_TIMEOUT``; on SQLite
(the embedded profile, a single worker) that is the database's write lock.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone


def email_send_once(
    owed: models.QuerySet,
    *,
    pk: int,
    field: str,
    build: Callable[[models.Model], EmailMessage],
) -> bool:
    """Claim row ``pk`` of ``owed`` while its ``field`` is empty, send ``build(row)`` and
    commit; False (nothing sent) if the row was sent already.

    Preconditions: the row's tenant scope is active; called outside a transaction (a task, a
    sweep), so that the commit follows the send. An exception from the send propagates after
    the claim is rolled back.
    """
    with transaction.atomic():
        unsent = owed.filter(pk=pk, **{f"{field}__isnull": True})
        if not unsent.update(**{field: timezone.now()}):
            return False
        build(owed.get(pk=pk)).send()
    return True


def stable_message_id(*, kind: str, pk: int, tenant) -> str:
    """The same ``Message-ID`` on every send of one owed e-mail (see the module docstring)."""
    return f"<{kind}.{pk}.{tenant.slug}@{settings.HELPDESK_BASE_DOMAIN}>"
