"""Customers, their organizations and tiers (客户分层), the customer audit trail, the portal's
notices and the per-tenant inbound mailbox.

Writes go through ``customers.services``; nothing else calls ``save()`` on these models.
"""

import re
import unicodedata

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import AuditEvent, Membership, Tenant, TenantOwned
from helpdesk.platform.encryption import EncryptedTextField

# Key information is shown on every ticket of the customer: short by design (form, import and
# API share this limit).
KEY_INFO_MAX_LENGTH = 5000
PHONE_MAX_LENGTH = 40
# A mainland mobile number written with its country code: +86 / 0086, then 1[3-9] + 9 digits.
CHINESE_MOBILE_WITH_COUNTRY_CODE = re.compile(r"(?:0086|86)(1[3-9]\d{9})")


def normalise_phone(raw: str) -> str:
    """A phone number as lookups compare it: its digits only (full-width ones too), and the
    country code of a Chinese mobile dropped (``+86 138-0013-8000`` → ``13800138000``)."""
    digits = "".join(str(unicodedata.decimal(char)) for char in raw if char.isdecimal())
    mobile = CHINESE_MOBILE_WITH_COUNTRY_CODE.fullmatch(digits)
    return mobile.group(1) if mobile else digits


class Tier(TenantOwned):
    """VIP, Important (重要), Regular (常规), Potential (潜在); a lower rank is served first."""

    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), default=100)
    colour = models.CharField(_("colour"), max_length=7, default="#6b7280")
    is_vip = models.BooleanField(
        _("priority service"),
        default=False,
        help_text=_("Tickets of this tier never go to trainees and escalate on creation."),
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="tier_unique_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Organization(TenantOwned):
    """The company a customer belongs to; its tier is the default of its customers."""

    name = models.CharField(_("name"), max_length=200)
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.SET_NULL, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="organization_unique_name_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomerTag(TenantOwned):
    """A label on customers, e.g. 价格敏感 (price-sensitive)."""

    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="customer_tag_unique_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(TenantOwned):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=PHONE_MAX_LENGTH, blank=True)
    # ``normalise_phone(phone)``, kept by ``save`` below: the lookup by phone (intake, a unit's
    # owner) compares this column through an index instead of normalising every row.
    phone_normalised = models.CharField(
        max_length=PHONE_MAX_LENGTH, blank=True, editable=False, db_default=""
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.SET_NULL, null=True, blank=True
    )
    tags = models.ManyToManyField(
        CustomerTag, verbose_name=_("tags"), blank=True, related_name="customers"
    )
    account_manager = models.ForeignKey(
        Membership,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
    )
    key_info = models.TextField(
        _("key information"),
        blank=True,
        help_text=_("Shown prominently to every agent working this customer's tickets."),
    )
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # A merged duplicate stays (its audit trail points at it) but is hidden and resolves here.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_customers"
    )
    # Bumped by every portal sign-in, which makes each emailed sign-in link single-use.
    portal_sign_in_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set once name, contact details and the customer's texts were erased (PIPL / GDPR).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["tenant", "email"], name="customer_tenant_email"),
            # email__iexact (queue search, intake, API) compares UPPER(email) = UPPER(%s).
            models.Index("tenant", Upper("email"), name="customer_tenant_email_upper"),
            # Most customers of a phone-first desk have a number; the ones without stay out.
            models.Index(
                fields=["tenant", "phone_normalised"],
                name="customer_tenant_phone",
                condition=~models.Q(phone_normalised=""),
            ),
        ]
        constraints = [
            # One live customer per address and tenant, whatever its case: intake finds the
            # customer by e-mail or creates one, and two requests from a new address at once
            # must not create two (``services.customer_get_or_create``). Anonymised customers
            # have no address; a merged duplicate keeps its own (the merge may even copy it to
            # the customer it was merged into) so that intake follows it there: both stay out.
            models.UniqueConstraint(
                "tenant",
                Upper("email"),
                condition=models.Q(merged_into__isnull=True) & ~models.Q(email=""),
                name="customer_tenant_email_unique",
                violation_error_message=_("A customer with this e-mail address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def save(self, *args, **kwargs) -> None:
        """Every write of ``phone`` (create, profile form, merge, anonymisation, import) goes
        through here, so the normalised copy cannot drift; a partial save that names
        ``phone`` writes the copy with it."""
        self.phone_normalised = normalise_phone(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_normalised"}
        super().save(*args, **kwargs)

    @property
    def effective_tier(self) -> Tier | None:
        """The customer's own tier, else their organization's (客户分层 by company)."""
        if self.tier_id is not None:
            return self.tier
        if self.organization_id is not None:
            return self.organization.tier
        return None

    @property
    def effective_tier_id(self) -> int | None:
        if self.tier_id is not None:
            return self.tier_id
        if self.organization_id is not None:
            return self.organization.tier_id
        return None


class CustomerEvent(AuditEvent):
    """Append-only audit trail of a customer: who changed what, from what to what."""

    subject = "customer"
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "created_at"], name="customer_event_history")]


class CustomerEmailKind(models.TextChoices):
    RECEIVED = "received", _("Request received")
    REPLY = "reply", _("Reply from the service desk")
    TRANSFER = "transfer", _("Request transferred")
    RESOLVED = "resolved", _("Request resolved")


class CustomerEmail(TenantOwned):
    """One e-mail owed to a customer about a ticket: written in the ticket's transaction, claimed
    and sent by a Celery task after the commit (``sent_at`` makes the send happen once)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=CustomerEmailKind.choices)
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}"


class PortalNotice(TenantOwned):
    """Text shown on top of every portal page while active (e.g. an outage, 应急公告)."""

    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    starts_at = models.DateTimeField(_("shown from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("portal notice")
        verbose_name_plural = _("portal notices")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]


class MailboxSettings(TenantOwned):
    """The tenant's support mailbox, read over IMAP. The password is stored encrypted
    (``helpdesk.platform.encryption``) and never shown again after it is entered."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    address = models.EmailField(
        _("support address"),
        help_text=_("Replies go to support+<token>@… of this address."),
    )
    host = models.CharField(_("IMAP host"), max_length=200)
    port = models.PositiveIntegerField(_("IMAP port"), default=993)
    username = models.CharField(_("user name"), max_length=200)
    password = EncryptedTextField(_("password"))
    use_ssl = models.BooleanField(_("use SSL"), default=True)
    folder = models.CharField(_("folder"), max_length=100, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox settings")
        verbose_name_plural = _("mailbox settings")

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


class InboundEmail(TenantOwned):
    """One fetched e-mail, by Message-ID: a message fetched twice is processed once."""

    message_id = models.CharField(max_length=255)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "message_id"], name="inbound_email_unique_message_id"
            )
        ]

    def __str__(self) -> str:
        return self.message_id
