"""A worker killed (SIGKILL) in the middle of a batch of notification e-mails, of customer
e-mails about tickets, of survey invitations, of an incident broadcast or of webhook
deliveries: after the rerun (the catch-up sweep) everything went out, and nothing twice beyond
the one documented window.

Each case runs the real task in a child process that kills itself at a chosen point, then the
real sweep in this process, and counts what the "mail server" (Django's file backend, shared
with the child) or a local webhook receiver got. Two kill points:

* ``before`` the N-th hand-over: nothing of it left the process, so it must arrive exactly once;
* ``after`` the N-th hand-over, before the worker recorded it: the window no protocol between
  two systems closes. That one item arrives twice, recognisably the same (e-mail: the same
  ``Message-ID``; webhook: the same ``X-Helpdesk-Delivery`` id and body); all others once.

The SLA sweep has the same test in tests/sla/test_sweeper_crash.py.
"""

import signal
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from customers.models import CustomerEmail
from helpdesk.models import DeliveryStatus, Notification, WebhookDelivery
from helpdesk.notifications import notify_many
from helpdesk.tasks import catch_up_notification_emails
from helpdesk.webhook_subscriptions import webhook_subscription_create
from helpdesk.webhooks import CLAIM_LEASE, webhook_emit, webhook_sweep
from surveys.models import SurveyInvitation
from surveys.tasks import catch_up_survey_emails
from tests.factories import MembershipFactory, UserFactory
from tests.faults.dying_mail import delivered
from tests.helpdesk.test_webhooks import Receiver, verify
from tests.incidents.helpers import open_incident
from tests.sla.live import ROOT, process_env
from tests.tickets.helpers import make_customer, make_ticket
from tickets import services
from tickets.incidents import services as incidents
from tickets.incidents.models import IncidentUpdateDelivery
from tickets.incidents.tasks import sweep_incidents
from tickets.models import Status
from tickets.tasks import catch_up_customer_emails

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 6
DIE_AT = 3
KILL_POINTS = pytest.mark.parametrize("when", ["before", "after"])

NOTIFICATION_WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from helpdesk.tasks import send_notification_email
    tenant_id, *notification_ids = map(int, sys.argv[1:])
    for pk in notification_ids:  # the batch's tasks, as the worker takes them off the queue
        send_notification_email.apply(kwargs={"tenant_id": tenant_id, "notification_id": pk})
    """
)
CUSTOMER_EMAIL_WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from tickets.tasks import send_customer_email
    tenant_id, *email_ids = map(int, sys.argv[1:])
    for pk in email_ids:
        send_customer_email.apply(kwargs={"tenant_id": tenant_id, "email_id": pk})
    """
)
SURVEY_WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from surveys.tasks import send_survey_email
    tenant_id, *invitation_ids = map(int, sys.argv[1:])
    for pk in invitation_ids:
        kwargs = {"tenant_id": tenant_id, "invitation_id": pk, "kind": "invitation"}
        send_survey_email.apply(kwargs=kwargs)
    """
)
INCIDENT_WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from tickets.incidents.tasks import send_incident_update
    tenant_id, update_id = map(int, sys.argv[1:])
    send_incident_update.apply(kwargs={"tenant_id": tenant_id, "update_id": update_id})
    """
)
WEBHOOK_SWEEPER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    import django
    django.setup()
    from helpdesk import webhooks
    original, calls = webhooks._send, [0]
    die_at, when, now = int(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])

    def send_then_die(delivery):
        calls[0] += 1
        if calls[0] == die_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        answer = original(delivery)
        if calls[0] == die_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)  # delivered and answered, not yet recorded
        return answer

    webhooks._send = send_then_die
    webhooks.webhook_sweep(now=now)
    """
)


@pytest.fixture
def mail_dir(tmp_path):
    """This process's mail goes where the child's goes (set after the fixtures' eager sends)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared with a child process; CI runs it")
    return tmp_path / "mail"


def use_mail_dir(settings, mail_dir) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)


def run_until_killed(tmp_path, script: str, *args, **env: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        env=process_env(tmp_path, **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]


def run_mailer_until_killed(tmp_path, script: str, *args, when: str) -> None:
    run_until_killed(
        tmp_path,
        script,
        *args,
        DJANGO_EMAIL_BACKEND="tests.faults.dying_mail.EmailBackend",
        HELPDESK_TEST_DIE_AT_MESSAGE=str(DIE_AT),
        HELPDESK_TEST_DIE_WHEN=when,
    )


def handed_over_before_death(when: str) -> int:
    return DIE_AT - 1 if when == "before" else DIE_AT


def unrecorded(mail_dir, recorded: list[str]) -> list[str]:
    """Recipients who got a message that the killed worker did not record as sent."""
    return sorted({message["To"] for message in delivered(mail_dir)} - set(recorded))


def assert_each_mailed_once(mail_dir, addresses: list[str], *, twice: list[str]) -> None:
    """Everyone got their message once, except ``twice``: the same message (Message-ID)."""
    message_ids = defaultdict(list)
    for message in delivered(mail_dir):
        message_ids[message["To"]].append(message["Message-ID"])
    assert sorted(message_ids) == sorted(addresses)
    repeated = sorted(to for to, ids in message_ids.items() if len(ids) > 1)
    assert repeated == twice
    assert all(len(message_ids[to]) == 2 == len(set(message_ids[to])) + 1 for to in twice)


@dataclass
class Outbox:
    """One kind of owed e-mail: the child worker that sends it, the sweep that catches up (its
    count of messages sent), the addresses recorded as sent, and whether any is still owed."""

    worker: str
    catch_up: Callable[[], int]
    recorded_addresses: Callable[[], list[str]]
    still_owed: Callable[[], bool]


def assert_mailed_once_across_the_kill(
    outbox: Outbox, *args: int, tenant, addresses: list[str], when: str, paths
) -> None:
    """The worker dies at ``when``; what it handed over is on the mail server; the catch-up
    sends the rest, a second catch-up nothing; everyone got theirs once, but for the one
    message of the window (``after``), which arrives twice with the same Message-ID."""
    tmp_path, mail_dir, settings = paths
    run_mailer_until_killed(tmp_path, outbox.worker, tenant.pk, *args, when=when)
    assert len(delivered(mail_dir)) == handed_over_before_death(when)
    with scope(tenant=tenant):
        twice = unrecorded(mail_dir, outbox.recorded_addresses())
    assert len(twice) == (0 if when == "before" else 1)

    use_mail_dir(settings, mail_dir)
    assert outbox.catch_up() == BATCH - DIE_AT + 1
    assert outbox.catch_up() == 0
    assert_each_mailed_once(mail_dir, addresses, twice=twice)
    with scope(tenant=tenant):
        assert not outbox.still_owed()


@pytest.fixture
def paths(tmp_path, mail_dir, settings):
    return tmp_path, mail_dir, settings


# --- notification e-mails ---------------------------------------------------------------------


@pytest.fixture
def owed_notifications(tenant_a, mail_dir) -> list[Notification]:
    members = [
        MembershipFactory(tenant=tenant_a, user=UserFactory(email=f"member{i}@acme.test"))
        for i in range(BATCH)
    ]
    with scope(tenant=tenant_a):
        batch = notify_many(
            [(m, f"Ticket {i} is yours", f"/tickets/{i}/") for i, m in enumerate(members)]
        )
        # The eager tasks mailed them already: owe them again, as if their tasks had been taken
        # by the worker about to die. Two minutes old: due for the catch-up sweep.
        Notification.objects.update(
            emailed_at=None, created_at=timezone.now() - timedelta(minutes=2)
        )
    return batch


NOTIFICATIONS = Outbox(
    worker=NOTIFICATION_WORKER,
    catch_up=lambda: catch_up_notification_emails.apply().get(),
    recorded_addresses=lambda: list(
        Notification.objects.filter(emailed_at__isnull=False).values_list(
            "recipient__user__email", flat=True
        )
    ),
    still_owed=lambda: Notification.objects.filter(emailed_at__isnull=True).exists(),
)


@KILL_POINTS
def test_it_mails_each_notification_once_after_the_worker_is_killed_mid_batch(
    tenant_a, owed_notifications, paths, when
):
    ids = [notification.pk for notification in owed_notifications]
    addresses = [f"member{i}@acme.test" for i in range(BATCH)]
    assert_mailed_once_across_the_kill(
        NOTIFICATIONS, *ids, tenant=tenant_a, addresses=addresses, when=when, paths=paths
    )


# --- customer e-mails about tickets -------------------------------------------------------------


@pytest.fixture
def owed_customer_emails(tenant_a, mail_dir) -> list[CustomerEmail]:
    """One "request received" e-mail owed to each of BATCH customers."""
    with scope(tenant=tenant_a):
        for i in range(BATCH):
            make_ticket(tenant_a, customer=make_customer(tenant_a, email=f"c{i}@example.test"))
        # As above: the eager tasks sent them; owe them again, two minutes old.
        CustomerEmail.objects.update(sent_at=None, created_at=timezone.now() - timedelta(minutes=2))
        return list(CustomerEmail.objects.order_by("pk"))


CUSTOMER_EMAILS = Outbox(
    worker=CUSTOMER_EMAIL_WORKER,
    catch_up=lambda: catch_up_customer_emails.apply().get(),
    recorded_addresses=lambda: list(
        CustomerEmail.objects.filter(sent_at__isnull=False).values_list(
            "ticket__customer__email", flat=True
        )
    ),
    still_owed=lambda: CustomerEmail.objects.filter(sent_at__isnull=True).exists(),
)


@KILL_POINTS
def test_it_mails_each_customer_email_once_after_the_worker_is_killed_mid_batch(
    tenant_a, owed_customer_emails, paths, when
):
    ids = [email.pk for email in owed_customer_emails]
    assert len(ids) == BATCH
    addresses = [f"c{i}@example.test" for i in range(BATCH)]
    assert_mailed_once_across_the_kill(
        CUSTOMER_EMAILS, *ids, tenant=tenant_a, addresses=addresses, when=when, paths=paths
    )
    with scope(tenant=tenant_a):
        assert sorted(CustomerEmail.objects.values_list("pk", flat=True)) == ids


# --- survey invitations -------------------------------------------------------------------------


@pytest.fixture
def owed_invitations(tenant_a, admin_a, mail_dir) -> list[SurveyInvitation]:
    """One survey invitation owed to each of BATCH customers whose ticket was resolved."""
    with scope(tenant=tenant_a):
        for i in range(BATCH):
            ticket = make_ticket(tenant_a, customer=make_customer(tenant_a, email=f"c{i}@x.test"))
            services.ticket_change_status(ticket=ticket, actor=admin_a, status=Status.RESOLVED)
        # As above: the eager tasks sent them; owe them again, two minutes old.
        SurveyInvitation.objects.update(
            emailed_at=None, created_at=timezone.now() - timedelta(minutes=2)
        )
        return list(SurveyInvitation.objects.order_by("pk"))


SURVEY_INVITATIONS = Outbox(
    worker=SURVEY_WORKER,
    catch_up=lambda: catch_up_survey_emails.apply().get(),
    recorded_addresses=lambda: list(
        SurveyInvitation.objects.filter(emailed_at__isnull=False).values_list(
            "customer__email", flat=True
        )
    ),
    still_owed=lambda: SurveyInvitation.objects.filter(emailed_at__isnull=True).exists(),
)


@KILL_POINTS
def test_it_mails_each_survey_invitation_once_after_the_worker_is_killed_mid_batch(
    tenant_a, owed_invitations, paths, when
):
    ids = [invitation.pk for invitation in owed_invitations]
    assert len(ids) == BATCH
    addresses = [f"c{i}@x.test" for i in range(BATCH)]
    assert_mailed_once_across_the_kill(
        SURVEY_INVITATIONS, *ids, tenant=tenant_a, addresses=addresses, when=when, paths=paths
    )
    with scope(tenant=tenant_a):
        assert sorted(SurveyInvitation.objects.values_list("pk", flat=True)) == ids


# --- the incident broadcast ---------------------------------------------------------------------


@pytest.fixture
def owed_update(tenant_a, admin_a, mail_dir):
    with scope(tenant=tenant_a):
        incident = open_incident(tenant_a, admin_a)
        customers = [make_customer(tenant_a, email=f"c{i}@example.test") for i in range(BATCH)]
        tickets = [make_ticket(tenant_a, customer=customer) for customer in customers]
        incidents.incident_link_tickets(incident=incident, actor=admin_a, tickets=tickets)
        update = incidents.incident_update_post(incident=incident, actor=admin_a, body="On site")
        # As above: the eager task sent it; owe it again, two minutes old (due for the sweep).
        IncidentUpdateDelivery.objects.update(
            sent_at=None, created_at=timezone.now() - timedelta(minutes=2)
        )
    return update


@KILL_POINTS
def test_it_mails_each_customer_once_after_the_worker_is_killed_mid_broadcast(
    tenant_a, owed_update, paths, when
):
    deliveries = owed_update.deliveries
    broadcast = Outbox(
        worker=INCIDENT_WORKER,
        catch_up=lambda: sweep_incidents.apply().get()["sent"],
        recorded_addresses=lambda: list(
            deliveries.filter(sent_at__isnull=False).values_list("customer__email", flat=True)
        ),
        still_owed=lambda: deliveries.filter(sent_at__isnull=True).exists(),
    )
    addresses = [f"c{i}@example.test" for i in range(BATCH)]
    assert_mailed_once_across_the_kill(
        broadcast, owed_update.pk, tenant=tenant_a, addresses=addresses, when=when, paths=paths
    )


# --- webhook deliveries -------------------------------------------------------------------------


@pytest.fixture
def receiver(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared with a child process; CI runs it")
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver(statuses=[503] * BATCH + [200])  # down for maintenance, then back
    yield server
    server.close()


@pytest.fixture
def due_deliveries(tenant_a, receiver) -> list[WebhookDelivery]:
    """A batch whose first attempts met the receiver down: all due for the retry sweep."""
    with scope(tenant=tenant_a):
        subscription = webhook_subscription_create(
            tenant=tenant_a, url=receiver.url, events=["ticket.created"]
        )
        for number in range(BATCH):
            webhook_emit(tenant=tenant_a, event="ticket.created", payload={"number": number})
        rows = list(WebhookDelivery.objects.filter(subscription=subscription))
    assert [row.status for row in rows] == [DeliveryStatus.FAILED] * BATCH
    receiver.requests.clear()
    return rows


@KILL_POINTS
def test_it_delivers_each_webhook_after_the_worker_is_killed_mid_batch(
    tenant_a, due_deliveries, receiver, tmp_path, when
):
    due = max(row.next_attempt_at for row in due_deliveries)
    args = (DIE_AT, when, due.isoformat())
    run_until_killed(tmp_path, WEBHOOK_SWEEPER, *args, HELPDESK_WEBHOOK_ALLOW_PRIVATE="1")
    assert len(receiver.requests) == handed_over_before_death(when)
    died_with = receiver.requests[-1]["headers"]["X-Helpdesk-Delivery"]

    # The rows the killed sweep had claimed are due again when its lease runs out.
    assert webhook_sweep(now=due + CLAIM_LEASE) == BATCH - DIE_AT + 1
    assert webhook_sweep(now=due + CLAIM_LEASE) == 0
    received = Counter(request["headers"]["X-Helpdesk-Delivery"] for request in receiver.requests)
    assert sorted(received) == sorted(str(row.pk) for row in due_deliveries)
    twice = {pk: count for pk, count in received.items() if count > 1}
    assert twice == ({} if when == "before" else {died_with: 2})
    with scope(tenant=tenant_a):
        secret = due_deliveries[0].subscription.secret
    assert all(verify(secret, r["headers"], r["body"]) for r in receiver.requests)
    bodies = {r["headers"]["X-Helpdesk-Delivery"]: set() for r in receiver.requests}
    for request in receiver.requests:
        bodies[request["headers"]["X-Helpdesk-Delivery"]].add(request["body"])
    assert all(len(variants) == 1 for variants in bodies.values())  # a repeat is byte-identical
    with scope(tenant=tenant_a):
        statuses = list(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.SUCCEEDED] * BATCH  # no row lost, none duplicated
