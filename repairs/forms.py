"""Forms of the parts pages and of the ticket's "Parts" panel. Choices are the scope's
tenant's rows, set when the form is built (a class-level queryset would run unscoped)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Team
from products.models import Product
from repairs.models import LocationKind, Part, StockLocation

MAX_QUANTITY = 100_000


def _quantity_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)


def _note_field() -> forms.CharField:
    return forms.CharField(label=_("Note"), max_length=300, required=False)


def _locations() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Location"), queryset=StockLocation.objects.none())


class PartFilterForm(forms.Form):
    q = forms.CharField(label=_("Part number or name"), max_length=100, required=False)
    product = forms.ModelChoiceField(
        label=_("Compatible product"), queryset=Product.objects.none(), required=False
    )
    low = forms.BooleanField(label=_("Low stock only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.order_by("model_code")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        product = self.cleaned_data["product"]
        return {
            "query": self.cleaned_data["q"],
            "product_id": None if product is None else product.pk,
            "low": True if self.cleaned_data["low"] else None,
        }


class PartForm(forms.Form):
    part_number = forms.CharField(label=_("Part number"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200, required=False)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    low_stock_threshold = forms.IntegerField(
        label=_("Low-stock threshold"), min_value=0, max_value=MAX_QUANTITY, initial=0
    )
    responsible_team = forms.ModelChoiceField(
        label=_("Responsible team"), queryset=Team.objects.none(), required=False
    )
    compatible_products = forms.ModelMultipleChoiceField(
        label=_("Compatible products"), queryset=Product.objects.none(), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_team"].queryset = Team.objects.order_by("name")
        self.fields["compatible_products"].queryset = Product.objects.order_by("model_code")

    @staticmethod
    def initial_for(part: Part) -> dict:
        names = ["part_number", "name", "name_zh", "unit_cost", "unit_price"]
        names += ["low_stock_threshold", "responsible_team", "is_active"]
        initial = {name: getattr(part, name) for name in names}
        initial["compatible_products"] = list(part.compatible_products.all())
        return initial


class StockLocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=LocationKind.choices)
    holder = forms.ModelChoiceField(
        label=_("Technician"), queryset=Membership.objects.none(), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(is_active=True).select_related("user")
        self.fields["holder"].queryset = members.order_by("user__email")


class ReceiveForm(forms.Form):
    location = _locations()
    quantity = _quantity_field()
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = StockLocation.objects.filter(is_active=True)


class TransferForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From"), queryset=StockLocation.objects.none())
    destination = forms.ModelChoiceField(label=_("To"), queryset=StockLocation.objects.none())
    quantity = _quantity_field()
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = StockLocation.objects.filter(is_active=True)
        self.fields["source"].queryset = active
        self.fields["destination"].queryset = active


class CountForm(forms.Form):
    location = _locations()
    counted = forms.IntegerField(
        label=_("Counted on the shelf"), min_value=0, max_value=MAX_QUANTITY
    )
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = StockLocation.objects.filter(is_active=True)


class TicketPartForm(forms.Form):
    """One form of the ticket's panel; ``action`` says what to do with the part."""

    ACTIONS = [
        ("reserve", _("Reserve")),
        ("consume_reserved", _("Consume from the reservation")),
        ("consume", _("Consume from free stock")),
        ("release", _("Release the reservation")),
        ("return", _("Return to stock")),
    ]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = _locations()
    quantity = _quantity_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = Part.objects.filter(is_active=True).order_by("part_number")
        self.fields["location"].queryset = StockLocation.objects.filter(is_active=True)
