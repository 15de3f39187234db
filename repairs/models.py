"""Spare parts, their stock per location and its movements, and the cost and quote of a repair.

Stock is a pair of counters per part and location (``StockLevel``) that the database keeps at
or above zero, and every change of them is a ``StockMovement`` row written in the same
transaction. Writes go through ``repairs.services``; nothing else calls ``save()`` on these.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Customer
from helpdesk.models import Membership, Team, TenantOwned
from products.models import Product, Unit
from tickets.models import Ticket

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Part(TenantOwned):
    """A spare part (备件): what it fits, what it costs the tenant and what the customer pays."""

    part_number = models.CharField(_("part number"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    compatible_products = models.ManyToManyField(
        Product, verbose_name=_("compatible products"), blank=True, related_name="parts"
    )
    unit_cost = models.DecimalField(_("unit cost"), default=Decimal("0"), **MONEY)
    unit_price = models.DecimalField(_("unit price"), default=Decimal("0"), **MONEY)
    # Total on hand across locations at or below which the responsible team is alerted.
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=0)
    responsible_team = models.ForeignKey(
        Team,
        verbose_name=_("responsible team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "part_number"], name="part_unique_number_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    VAN = "van", _("Technician's van")


class StockLocation(TenantOwned):
    """Where parts are kept: a warehouse, or the van of a technician (``holder``)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=10, choices=LocationKind.choices, default=LocationKind.WAREHOUSE
    )
    holder = models.ForeignKey(
        Membership,
        verbose_name=_("technician"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], name="stock_location_unique_name_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(TenantOwned):
    """How many of a part a location holds, and how many of those are reserved for work."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(
        StockLocation, on_delete=models.CASCADE, related_name="stock_levels"
    )
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    reserved = models.PositiveIntegerField(_("reserved"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="stock_level_unique"),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0), name="stock_on_hand_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0) & models.Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.location_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    RESERVED = "reserved", _("Reserved")
    RELEASED = "released", _("Reservation released")
    CONSUMED = "consumed", _("Consumed")
    RETURNED = "returned", _("Returned")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    ADJUSTED = "adjusted", _("Counted (adjustment)")


class StockMovement(TenantOwned):
    """One change of a stock level, as a row (append-only). ``quantity`` is positive and the
    kind says which way it moved, except for a count (``adjusted``): the signed difference
    between the shelf and the books. ``ticket`` names the work it was reserved for or
    consumed by; consuming from a reservation is written as a release and a consumption."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="part_movements"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="part_movements"
    )
    # Price and cost at the time, so later price changes do not rewrite old repairs.
    unit_cost = models.DecimalField(default=Decimal("0"), **MONEY)
    unit_price = models.DecimalField(default=Decimal("0"), **MONEY)
    actor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["part", "-created_at"], name="movement_by_part"),
            models.Index(fields=["ticket", "kind"], name="movement_by_ticket"),
            models.Index(fields=["unit", "-created_at"], name="movement_by_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} × {self.part_id}"


class QuoteStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the customer")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Quote(TenantOwned):
    """What an out-of-warranty (or partly covered) repair will cost the customer. While it is
    ``sent`` the ticket waits on the customer (its SLA clock paused); the decision is audited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="quotes")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="quotes"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="quotes")
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.SENT
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    parts_amount = models.DecimalField(_("parts"), default=Decimal("0"), **MONEY)
    labour_amount = models.DecimalField(
        pgettext_lazy("cost", "labour"), default=Decimal("0"), **MONEY
    )
    callout_fee = models.DecimalField(_("call-out fee"), default=Decimal("0"), **MONEY)
    covered_amount = models.DecimalField(_("covered"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total to pay"), default=Decimal("0"), **MONEY)
    note = models.TextField(_("note to the customer"), blank=True)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # When the quote e-mail went to the customer (``helpdesk.platform.outbox``: sent once).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one quote waits for a decision per ticket.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(status="sent"),
                name="quote_one_waiting_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.total} ({self.status})"


class QuoteLine(TenantOwned):
    """One line of a quote: a part, labour, the call-out fee, or what the entitlement covers
    (a negative amount)."""

    class Kind(models.TextChoices):
        PART = "part", _("Part")
        LABOUR = "labour", pgettext_lazy("cost", "Labour")
        CALLOUT = "callout", _("Call-out fee")
        COVERED = "covered", _("Covered by warranty or contract")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    part = models.ForeignKey(
        Part, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class RepairSettings(TenantOwned):
    """The tenant's rates for costing a repair."""

    tenant = models.OneToOneField("helpdesk.Tenant", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    labour_rate_per_hour = models.DecimalField(
        _("labour rate per hour"), default=Decimal("0"), **MONEY
    )
    callout_fee = models.DecimalField(_("call-out fee"), default=Decimal("0"), **MONEY)

    def __str__(self) -> str:
        return f"Repair rates of tenant {self.tenant_id}"
