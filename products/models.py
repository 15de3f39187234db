"""The catalogue of serviced products and the installed base (registered units).

Writes go through ``products.services``; nothing else calls ``save()`` on these models.
"""

import re
from datetime import date

from django.db import models
from django.utils import timezone
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
