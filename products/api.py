"""API pieces of the installed base that other resources embed (a ticket's unit)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.api import FieldsOnceModelSerializer
from products.models import Unit, normalise_serial


class UnitRefSerializer(FieldsOnceModelSerializer):
    """A unit inside another resource (a ticket): what it is and whether it is covered."""

    product = serializers.CharField(source="product.model_code")
    warranty_ends_on = serializers.DateField(allow_null=True)
    in_warranty = serializers.BooleanField()

    class Meta:
        model = Unit
        fields = ["id", "serial", "product", "warranty_ends_on", "in_warranty"]


def unit_ref_representation(unit: Unit | None) -> dict | None:
    """``UnitRefSerializer``'s output read straight off the loaded unit and product."""
    if unit is None:
        return None
    ends_on = unit.warranty_ends_on
    return {
        "id": unit.id,
        "serial": unit.serial,
        "product": unit.product.model_code,
        "warranty_ends_on": None if ends_on is None else ends_on.isoformat(),
        "in_warranty": unit.in_warranty,
    }


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 2**63 - 1}, {"type": "string"}]}
)
class UnitField(serializers.Field):
    """A unit given by id (a JSON number) or by serial number (a JSON string), in the scope's
    tenant; an unknown one is a field error, another tenant's is unknown."""

    default_error_messages = {
        "unknown": _("No unit with this id or serial number."),
        "invalid": _("Give the unit's id (a number) or its serial number (a string)."),
    }

    def to_internal_value(self, data) -> Unit:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        units = Unit.objects.select_related("product", "customer")
        if isinstance(data, int):
            found = units.filter(pk=data).first() if 0 < data < 2**63 else None
        else:
            found = units.filter(serial=normalise_serial(data)).first()
        if found is None:
            self.fail("unknown")
        return found

    def to_representation(self, value: Unit) -> dict | None:
        return unit_ref_representation(value)
