"""The tenancy core: who the tenants are, who works in them and in what role.

Every model here except ``User`` and ``Tenant`` is tenant-owned and uses a django-scopes
``ScopedManager``: a query without an active tenant scope raises ``ScopeError`` instead of
returning every tenant's rows.
"""

import secrets
import time
import uuid
import zoneinfo
from base64 import b32encode
from datetime import timedelta
from typing import ClassVar
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_scopes import ScopedManager

from helpdesk.platform.certificates import validate_signing_certificate
from helpdesk.platform.encryption import EncryptedTextField

# Labels that must never name a tenant: hosts of the platform itself or of services usually run
# beside it (mail, a status page, a CDN), and names that would pass for the operator's own.
RESERVED_SLUGS = frozenset(
    {
        *("localhost", "healthz", "www", "api", "admin", "static", "media", "mail", "app"),
        *("platform", "support", "help", "status", "docs", "assets", "cdn", "smtp", "imap"),
        *("pop", "ftp", "webmail", "autodiscover", "autoconfig", "ns1", "ns2", "dev", "test"),
        *("staging", "demo", "login", "signup", "account", "accounts", "auth", "sso", "id"),
        *("billing", "security", "blog", "portal", "dashboard", "internal", "root"),
    }
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


def validate_tenant_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("%(slug)s is reserved."), params={"slug": value})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address; their roles live on memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class TwoFactorPolicy(models.TextChoices):
    """Which members of a tenant must pass a second factor before entering it."""

    NOBODY = "nobody", _("Nobody")
    ADMINS = "admins", _("Tenant admins")
    MANAGERS = "managers", _("Tenant admins and managers")
    EVERYONE = "everyone", _("Everyone")


class Tenant(models.Model):
    """A company running an after-sales service; reached on ``<slug>.<base domain>``."""

    slug = models.CharField(
        _("address"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
                _(
                    "Use lower-case letters, digits and hyphens; "
                    "start and end with a letter or digit."
                ),
            ),
            validate_tenant_slug,
        ],
    )
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    auto_close_after_days = models.PositiveSmallIntegerField(
        _("close resolved tickets after (days)"), default=7
    )
    # Storage limitation (PIPL / GDPR): closed tickets lose their personal data this many days
    # after closing (tickets.retention); None or 0 keeps it for ever.
    personal_data_retention_days = models.PositiveIntegerField(
        _("erase personal data of closed tickets after (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Closed tickets older than this lose their personal data at the next hourly sweep, "
            "and a customer with no newer ticket is anonymised; this cannot be undone. "
            "Leave empty to keep personal data for ever."
        ),
    )
    two_factor_required_for = models.CharField(
        _("require two-factor authentication for"),
        max_length=16,
        choices=TwoFactorPolicy.choices,
        default=TwoFactorPolicy.NOBODY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    @property
    def personal_data_retention(self) -> timedelta | None:
        """How long closed tickets keep their personal data; None: for ever."""
        days = self.personal_data_retention_days
        return timedelta(days=days) if days else None


class TenantOwned(models.Model):
    """Base of every tenant-owned model: the ``tenant`` key and a manager that needs a scope.

    ``objects`` is a django-scopes ``ScopedManager``, so a query outside ``scope(tenant=…)``
    (or ``across_tenants()``) raises ``ScopeError`` instead of returning every tenant's rows.
    The key has no reverse accessor on ``Tenant``: tenant-owned rows are reached through
    their own scoped managers, never through ``tenant.<something>``. A model that needs one
    row per tenant overrides ``tenant`` with a ``OneToOneField``. The check
    ``helpdesk.E001`` (helpdesk.checks) keeps every model with a ``tenant`` field on this base.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADMIN = "admin", _("Tenant admin")
    MANAGER = "manager", _("Manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    AGENT = "agent", _("Agent")
    QUALITY_SUPERVISOR = "quality_supervisor", _("Quality supervisor")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")


class CertificationStage(models.TextChoices):
    TRAINEE = "trainee", _("Trainee")
    CERTIFIED = "certified", _("Certified")


class Skill(TenantOwned):
    """A skill tag such as 家电维修 (appliance repair) or 账单咨询 (billing questions)."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="skill_unique_name_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TenantOwned):
    """A user's place in one tenant: role, certification stage and skills."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.AGENT)
    certification_stage = models.CharField(
        _("certification stage"),
        max_length=16,
        choices=CertificationStage.choices,
        default=CertificationStage.CERTIFIED,
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="memberships")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_trainee(self) -> bool:
        return self.certification_stage == CertificationStage.TRAINEE

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Team(TenantOwned):
    """A department (部门) that tickets are routed to, with a lead who receives escalations."""

    name = models.CharField(_("name"), max_length=120)
    lead = models.ForeignKey(
        Membership,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(Membership, blank=True, related_name="teams")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="team_unique_name_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(TenantOwned):
    """A key for integrations. Only the SHA-256 of the key is stored; the key is shown once."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Notification(TenantOwned):
    """An in-app notice to one member (transfer received, escalation, …)."""

    recipient = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.text


class IdempotencyKey(TenantOwned):
    """The stored outcome of one API create sent with an ``Idempotency-Key`` header.

    The row is inserted in the same transaction as the create it guards, so a concurrent
    request with the same key blocks on the unique index until the first one commits, then
    replays its response; a failed create leaves no row behind. Kept for 24 hours.
    """

    key = models.CharField(max_length=255)
    # SHA-256 of method, path and the parsed request body: the same key with another body is
    # a client bug, answered with 422 rather than with the first request's response.
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_key_per_tenant")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_expiry")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.key}"


class WebhookSubscription(TenantOwned):
    """A tenant admin's URL that receives signed POSTs for the chosen events (helpdesk.webhooks).

    The secret (``whsec_<base64>``, Standard Webhooks) signs every delivery; it is stored
    encrypted and shown once, when the subscription is created or the secret rotated. After a
    rotation the ``previous_secret`` signs as well until ``previous_secret_expires_at``. The
    subscription turns itself off (``disabled_at``) after ``failure_count`` consecutive
    deliveries were given up.
    """

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Consecutive deliveries given up; a success resets it.
    failure_count = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhook_active")]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Gave up")


class WebhookDelivery(TenantOwned):
    """One event for one subscription: an outbox row, written in the transaction of the change.

    ``next_attempt_at`` is when it is due (pending or failed); a sender claims the row by
    moving it a lease into the future, so a second sender skips it.
    """

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}"


class AuditEvent(TenantOwned):
    """Base of the append-only audit trails (tickets, customers, incidents, configuration): who
    changed what, from what to what, and when. A saved event can be neither changed nor deleted.

    A concrete subclass names in ``subject`` its foreign key to the object it records; that is
    how ``helpdesk.audit.audit_record`` finds the table for a target without importing the app
    that owns it. Targets with no table of their own go to ``ConfigurationEvent``.
    """

    subject: ClassVar[str | None] = None

    actor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.field}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only.")


class ConfigurationEvent(AuditEvent):
    """Append-only trail of configuration changes (memberships, tokens, webhooks, SLA policies,
    settings, templates, …): any audited target without an event table of its own. The target
    is kept by type, id and a readable label, so the row outlives a deleted target."""

    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=200, blank=True)

    class Meta(AuditEvent.Meta):
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="config_event_log"),
            models.Index(fields=["tenant", "target_type", "-created_at"], name="config_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.target_type} {self.action} {self.field}".strip()


class SingleSignOnProvider(TenantOwned):
    """What every kind of a tenant's identity provider has: one per tenant, a name for the
    button, the role of members it creates, the e-mail domains it may sign in, and whether the
    tenant trusts it to have asked for a second factor (helpdesk.single_sign_on)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(
        _("provider name"), max_length=80, help_text=_('Shown as "Sign in with …".')
    )
    default_role = models.CharField(
        _("role of new members"), max_length=32, choices=Role.choices, default=Role.AGENT
    )
    allowed_email_domains = models.CharField(
        _("allowed e-mail domains"),
        max_length=500,
        help_text=_("Separated by spaces or commas, e.g. example.com example.cn."),
    )
    idp_enforces_mfa = models.BooleanField(
        _("the provider asks for a second factor"),
        default=False,
        help_text=_(
            "Members who sign in through the provider are not asked for this service desk's "
            "own second factor."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def email_domains(self) -> frozenset[str]:
        text = self.allowed_email_domains.replace(",", " ").lower()
        return frozenset(domain.strip().lstrip("@") for domain in text.split() if domain.strip())


def background_job_path(instance: "BackgroundJob", filename: str) -> str:
    # A random name: the uploaded name is the user's text and stays in ``file_name`` only.
    return f"jobs/{instance.tenant_id}/{uuid.uuid4().hex}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BackgroundJob(TenantOwned):
    """A long operation a member started (an import today) that a Celery task runs, with its
    progress and outcome for the page that follows it. The handler of ``kind`` is registered by
    the app that knows the data (``helpdesk.background_jobs.job_handler``)."""

    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # [{"row": 3, "field": "serial", "message": "…"}, …] in the starter's language.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # A failure that is no row's fault (unreadable file, a crash), for the page.
    failure = models.CharField(_("failure"), max_length=500, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # The uploaded input, private and removed once the job ends.
    file = models.FileField(_("file"), upload_to=background_job_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_by = models.ForeignKey(
        Membership,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "kind", "-created_at"], name="job_by_kind"),
            models.Index(fields=["status", "created_at"], name="job_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


def _new_totp_secret() -> str:
    """20 random bytes as hex: the seed size RFC 4226 recommends for HMAC-SHA1."""
    return secrets.token_hex(20)


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator app: a TOTP device (RFC 6238) for django-otp whose seed is
    encrypted at rest. django-otp's own ``TOTPDevice`` keeps the seed as plain hex, which
    anyone reading the database or a backup could use to produce valid codes.

    Like django-otp's devices it belongs to the user, not a tenant. A code is accepted once:
    only time steps after ``last_t`` verify. Wrong codes back off (``ThrottlingMixin``).
    """

    secret = EncryptedTextField(_("secret"), default=_new_totp_secret)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.secret)

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        totp = self._totp()
        if code is not None and totp.verify(code, self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` provisioning URI an authenticator app scans."""
        label = self.user.get_username()
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        query = {
            "secret": b32encode(self.bin_key).decode().rstrip("="),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        if issuer:
            label = f"{issuer}:{label}"
            query["issuer"] = issuer
        return f"otpauth://totp/{quote(label)}?{urlencode(query, quote_via=quote)}"


class OidcProvider(SingleSignOnProvider):
    """A tenant's OpenID Connect identity provider for single sign-on (helpdesk.oidc).

    ``client_secret`` is encrypted at rest (``helpdesk.platform.encryption``).
    """

    issuer = models.URLField(
        _("issuer URL"),
        max_length=300,
        help_text=_("The provider's issuer, as in its /.well-known/openid-configuration."),
    )
    client_id = models.CharField(_("client ID"), max_length=200)
    client_secret = EncryptedTextField(_("client secret"))

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")


class SamlProvider(SingleSignOnProvider):
    """A tenant's SAML 2.0 identity provider for single sign-on (helpdesk.saml).

    Nothing here is secret: the IdP's certificate is public, and this service desk signs
    nothing (its AuthnRequests go unsigned, as most IdPs accept).
    """

    entity_id = models.CharField(
        _("IdP entity ID"),
        max_length=300,
        help_text=_("The identity provider's entityID, as in its metadata."),
    )
    sso_url = models.URLField(
        _("IdP single sign-on URL"),
        max_length=500,
        help_text=_("Where the browser is sent with the sign-in request (HTTP-Redirect binding)."),
    )
    certificate = models.TextField(
        _("IdP signing certificate"),
        validators=[validate_signing_certificate],
        help_text=_("PEM, beginning with -----BEGIN CERTIFICATE-----."),
    )
    email_attribute = models.CharField(
        _("e-mail attribute"),
        max_length=200,
        blank=True,
        help_text=_(
            'Leave empty to read the attribute "email" or "mail", or else the NameID when it '
            "is an e-mail address."
        ),
    )
    name_attribute = models.CharField(
        _("name attribute"),
        max_length=200,
        blank=True,
        default="displayName",
        help_text=_("The attribute that holds the person's full name (optional)."),
    )

    class Meta:
        verbose_name = _("SAML identity provider")
        verbose_name_plural = _("SAML identity providers")
