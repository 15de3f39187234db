"""The catalogue of serviced products and the installed base (registered units).

Writes go through ``products.services``; nothing else calls ``save()`` on these models.
"""

import re
import uuid
from datetime import date

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer, Organization
from helpdesk.models import AuditEvent, TenantOwned
from products.warranty import in_warranty, warranty_end

SERIAL_MAX_LENGTH = 64


def normalise_serial(raw: str) -> str:
    """Serial numbers as printed on labels and typed on phones: case and spaces, dashes kept
    (``sn 12-ab 34`` → ``SN12-AB34``)."""
    return re.sub(r"\s+", "", raw).upper()


def invoice_path(instance: "Unit", filename: str) -> str:
    return f"invoices/{instance.tenant_id}/{uuid.uuid4().hex}"


class Product(TenantOwned):
    """A model the tenant services (型号), with the warranty it is sold with."""

    model_code = models.CharField(_("model code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)
    covers_parts = models.BooleanField(_("warranty covers parts"), default=True)
    covers_labour = models.BooleanField(_("warranty covers labour"), default=True)
    covers_on_site = models.BooleanField(_("warranty covers on-site service"), default=False)
    service_notes = models.TextField(_("service notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["model_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "model_code"], name="product_unique_model_code_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_code} {self.name}"

    @property
    def localised_name(self) -> str:
        """The name in the active language: the Chinese one where there is one."""
        chinese = (translation.get_language() or "").startswith("zh")
        return self.name_zh if chinese and self.name_zh else self.name


class UnitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPLACED = "replaced", _("Replaced")
    SCRAPPED = "scrapped", _("Scrapped")


class Unit(TenantOwned):
    """One registered unit of a product (the installed base): who owns it, when and where it
    was bought and installed, and until when its warranty runs."""

    serial = models.CharField(_("serial number"), max_length=SERIAL_MAX_LENGTH)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="units"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=pgettext_lazy("unit", "owner"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="units",
    )
    purchased_on = models.DateField(_("purchase date"))
    purchase_channel = models.CharField(_("purchase channel / dealer"), max_length=200, blank=True)
    installation_address = models.TextField(_("installation address"), blank=True)
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=UnitStatus.choices, default=UnitStatus.ACTIVE
    )
    # An agreed end that differs from the product's period (goodwill, a dealer's extension);
    # set with a reason through ``unit_warranty_override``, which audits it.
    warranty_override_until = models.DateField(_("warranty until (override)"), null=True)
    warranty_override_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The purchase invoice the customer or agent uploaded (helpdesk.platform.uploads checks
    # it); stored under a random name, the original name kept beside it.
    invoice = models.FileField(_("invoice"), upload_to=invoice_path, blank=True)
    invoice_name = models.CharField(_("invoice file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = pgettext_lazy("installed base", "unit")
        verbose_name_plural = pgettext_lazy("installed base", "units")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "serial"], name="unit_unique_serial_per_tenant"
            )
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="unit_by_customer")]

    def __str__(self) -> str:
        return self.serial

    @property
    def in_warranty(self) -> bool:
        """Covered today, in the active time zone's date."""
        return in_warranty(self.warranty_ends_on, timezone.localdate())

    @property
    def warranty_ends_on(self) -> date | None:
        """The override when there is one, else the product's period from the purchase."""
        if self.warranty_override_until is not None:
            return self.warranty_override_until
        return warranty_end(self.purchased_on, self.product.warranty_months)


class UnitEvent(AuditEvent):
    """Append-only history of a unit: registered, warranty overridden, owner or status changed."""

    subject = "unit"
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["unit", "created_at"], name="unit_event_history")]


class ServicePlan(TenantOwned):
    """A service contract or extended warranty the tenant sells (e.g. "Gold: on-site within
    24 h, parts and labour covered, 2 preventive visits a year"). Its targets, where set, win
    over the tier's SLA policy for tickets about a unit the plan covers."""

    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    covers_parts = models.BooleanField(_("covers parts"), default=True)
    covers_labour = models.BooleanField(_("covers labour"), default=True)
    covers_on_site = models.BooleanField(_("covers on-site service"), default=True)
    on_site_within_hours = models.PositiveSmallIntegerField(
        _("on site within (hours)"), null=True, blank=True
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), null=True, blank=True
    )
    preventive_visits_per_year = models.PositiveSmallIntegerField(
        _("preventive visits a year"), default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="service_plan_unique_name_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceContract(TenantOwned):
    """A plan sold for one unit or for every unit of an organisation, from ``starts_on`` to
    ``ends_on`` inclusive."""

    plan = models.ForeignKey(
        ServicePlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="contracts"
    )
    reference = models.CharField(_("contract number"), max_length=64)
    unit = models.ForeignKey(
        Unit,
        verbose_name=pgettext_lazy("installed base", "unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contracts",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contracts",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "reference"], name="contract_unique_reference_per_tenant"
            ),
            models.CheckConstraint(
                condition=models.Q(unit__isnull=False, organization__isnull=True)
                | models.Q(unit__isnull=True, organization__isnull=False),
                name="contract_covers_a_unit_or_an_organization",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "ends_on"], name="contract_by_unit"),
            models.Index(fields=["organization", "ends_on"], name="contract_by_organization"),
        ]

    def __str__(self) -> str:
        return self.reference

    def covers_day(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on
