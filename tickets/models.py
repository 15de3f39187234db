"""Tickets (工单): the record every other part hangs on, its thread and its audit trail.

Writes go through ``tickets.services``; nothing else calls ``save()`` on these models.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer
from helpdesk.models import AuditEvent, Membership, Skill, Team, Tenant, TenantOwned
from products.models import Unit


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on customer)")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses in which the ticket still needs work from the desk.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}

# The longest description, fault symptom or message body the forms and the API accept (the
# customer portal keeps a shorter limit of its own). Longer text is a paste gone wrong, and
# a limit keeps every page that shows it fast.


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone hotline")
    API = "api", _("API")
    CHAT = "chat", _("Chat")


class Category(TenantOwned):
    """Nature and type of a request (性质和类别): decides the team and the skill needed."""

    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        Team,
        verbose_name=_("responsible team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
    )
    required_skill = models.ForeignKey(
        Skill, verbose_name=_("required skill"), on_delete=models.SET_NULL, null=True, blank=True
    )
    is_complaint = models.BooleanField(_("complaint"), default=False)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="category_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TenantOwned):
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="tag_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class TicketCounter(TenantOwned):
    """The last ticket number handed out in a tenant.

    Incremented inside the creating transaction, so the row lock serialises concurrent
    creations and a rolled-back creation gives its number back: numbers are gap-free.
    """

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.last_number}"


class TrigramIndex(GinIndex):
    """A pg_trgm GIN index on PostgreSQL; a plain index on the same expressions elsewhere.

    The fallback keeps SQLite (the embedded default) able to create the index and to rebuild
    the table in later migrations; there it is unused and harmless. The ``pg_trgm`` extension
    is created by migration 0002_queue_indexes before the index.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = [
            e.get_source_expressions()[0] if isinstance(e, OpClass) else e for e in self.expressions
        ]
        return models.Index(*plain, name=self.name).create_sql(model, schema_editor, **kwargs)


class Ticket(TenantOwned):
    number = models.PositiveBigIntegerField(_("number"))
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    assignee = models.ForeignKey(
        Membership,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=pgettext_lazy("installed base", "unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    product_model = models.CharField(_("product / model"), max_length=120, blank=True)
    fault_symptom = models.TextField(_("fault symptom"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_tickets"
    )
    # Phone intake (来电时间、通话时长).
    caller = models.CharField(_("caller"), max_length=120, blank=True)
    call_started_at = models.DateTimeField(_("call started at"), null=True, blank=True)
    call_duration_seconds = models.PositiveIntegerField(
        _("call duration (seconds)"), null=True, blank=True
    )
    # Transfer promise told to the customer (预计处理时间).
    expected_handled_by = models.DateTimeField(
        _("expected to be handled by"), null=True, blank=True
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    last_customer_reply_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    # Set when subject, thread and files were blanked (customers.services): on request, or by
    # the retention sweep, which selects closed tickets where it is still empty.
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_number_per_tenant")
        ]
        indexes = [
            # One index per queue shape: tenant + the queue's filter + newest first.
            models.Index(fields=["tenant", "status", "-created_at"], name="ticket_queue_status"),
            models.Index(
                fields=["tenant", "assignee", "status", "-created_at"], name="ticket_queue_assignee"
            ),
            models.Index(
                fields=["tenant", "team", "status", "-created_at"], name="ticket_queue_team"
            ),
            models.Index(fields=["tenant", "customer", "-created_at"], name="ticket_customer"),
            # The first page of the "all" queue and of filters on it, in the exact sort order
            # (newest first, pk breaking ties) so PostgreSQL reads one page and stops.
            models.Index(fields=["tenant", "-created_at", "-id"], name="ticket_queue_recent"),
            # The same for the work queues (open, unassigned, team, mine): the active ~30 %.
            models.Index(
                fields=["tenant", "-created_at", "-id"],
                name="ticket_queue_active",
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            # A work queue filtered by category: without it, a category with no visible match
            # made PostgreSQL walk every active ticket of the tenant.
            models.Index(
                fields=["tenant", "category", "-created_at", "-id"],
                name="ticket_queue_active_category",
                condition=models.Q(status__in=ACTIVE_STATUSES),
            ),
            # Queue search: ``subject__icontains`` is ``UPPER(subject) LIKE UPPER('%q%')``.
            TrigramIndex(
                OpClass(Upper("subject"), name="gin_trgm_ops"), name="ticket_subject_trgm"
            ),
            models.Index(
                fields=["status", "resolved_at"],
                name="ticket_resolved_to_close",
                condition=models.Q(status="resolved"),
            ),
            # The retention sweep's index: closed tickets whose personal data is still there.
            models.Index(
                fields=["tenant", "closed_at"],
                name="ticket_retention_due",
                condition=models.Q(status="closed", personal_data_erased_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class Message(TenantOwned):
    """One entry of the thread. An internal note is never shown to the customer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    author_member = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk} ({self.kind})"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL

    @property
    def author_name(self) -> str:
        if self.author_member_id:
            return str(self.author_member.user)
        if self.author_customer_id:
            return str(self.author_customer)
        return ""


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is random; the original name is kept in a column and sent on download.
    import uuid

    return f"attachments/{instance.tenant_id}/{uuid.uuid4().hex}"


class Attachment(TenantOwned):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class TicketEvent(AuditEvent):
    """Append-only audit trail: who changed what, from what to what, and when."""

    subject = "ticket"
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_history")]


# Incidents, playbooks and surge alerts live in their own module (registered here).
from tickets.incidents.models import (  # noqa: E402
    Incident,  # noqa: F401
    IncidentEvent,  # noqa: F401
    IncidentSeverity,  # noqa: F401
    IncidentStatus,  # noqa: F401
    IncidentStep,  # noqa: F401
    IncidentTicket,  # noqa: F401
    IncidentUpdate,  # noqa: F401
    IncidentUpdateDelivery,  # noqa: F401
    Playbook,  # noqa: F401
    PlaybookStep,  # noqa: F401
    StepOwnerMixin,  # noqa: F401
    SurgeAlert,  # noqa: F401
    SurgeSettings,  # noqa: F401
)


class SavedView(TenantOwned):
    """A queue an agent named: the queue page's filters, sort and columns, kept as the query
    string's fields (``query``, validated by the queue's filter form on save and again on every
    use). Personal to its owner, or shared with one team by an admin, manager or the team's
    lead; ``position`` orders the owner's views in the queue's left rail."""

    owner = models.ForeignKey(
        Membership, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.JSONField(_("filters"), default=dict, blank=True)
    shared_with_team = models.ForeignKey(
        Team,
        verbose_name=_("shared with team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "owner", "name"], name="saved_view_unique_name_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name
