"""Customers and their tiers (客户分层). Minimal for now: what tickets and routing need."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from helpdesk.models import Tenant


class Tier(models.Model):
    """VIP, Important (重要), Regular (常规), Potential (潜在); a lower rank is served first."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="tiers")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), default=100)
    colour = models.CharField(_("colour"), max_length=7, default="#6b7280")
    is_vip = models.BooleanField(
        _("priority service"),
        default=False,
        help_text=_("Tickets of this tier never go to trainees and escalate on creation."),
    )

    objects = ScopedManager(tenant="tenant")

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="tier_unique_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.SET_NULL, null=True, blank=True
    )
    key_info = models.TextField(
        _("key information"),
        blank=True,
        help_text=_("Shown prominently to every agent working this customer's tickets."),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["tenant", "email"], name="customer_tenant_email")]

    def __str__(self) -> str:
        return self.name or self.email
