"""API of the catalogue and the installed base: ``/api/v1/products/`` and ``/api/v1/units/``,
and the pieces other resources embed (a ticket's unit).

Thin: input serializers parse, ``products.selectors`` read (another tenant's row is a 404),
``products.services`` write; a service's ``ValidationError`` becomes a 400 naming the field.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from customers.models import Customer, Organization
from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    MAX_ID,
    FieldsOnceModelSerializer,
    PkCursorPagination,
    SentFiltersBackend,
    ShallowFieldsSerializer,
    StableCursorPagination,
    StrictFilterSet,
    TenantAPIView,
    TenantPrimaryKeyField,
    TenantViewSetMixin,
    TextField,
    id_from_path,
    idempotent,
    request_member,
    validated,
)
from helpdesk.models import Role
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from helpdesk.platform.api_filters import IntegerFilter
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from products import selectors, services
from products.models import Product, Unit, UnitStatus, normalise_serial

# Fifty years: longer is a typing error, and the warranty arithmetic stays within the calendar.
MAX_WARRANTY_MONTHS = 600


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


# --- the catalogue and the installed base as resources -------------------------------------------

# Who may change the catalogue; every member reads it and registers units.
CATALOGUE_EDITORS = (Role.ADMIN, Role.MANAGER)


class ProductSerializer(FieldsOnceModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "model_code",
            "name",
            "name_zh",
            "product_line",
            "warranty_months",
            "covers_parts",
            "covers_labour",
            "covers_on_site",
            "service_notes",
            "is_active",
            "created_at",
        ]


def _warranty_months_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_WARRANTY_MONTHS, **kwargs)


class ProductCreateSerializer(ShallowFieldsSerializer):
    model_code = TextField(max_length=64)
    name = TextField(max_length=200)
    name_zh = TextField(max_length=200, required=False, allow_blank=True, default="")
    product_line = TextField(max_length=100, required=False, allow_blank=True, default="")
    warranty_months = _warranty_months_field(required=False, default=12)
    covers_parts = serializers.BooleanField(required=False, default=True)
    covers_labour = serializers.BooleanField(required=False, default=True)
    covers_on_site = serializers.BooleanField(required=False, default=False)
    service_notes = TextField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ProductUpdateSerializer(ShallowFieldsSerializer):
    """Only the fields sent are changed."""

    model_code = TextField(max_length=64, required=False)
    name = TextField(max_length=200, required=False)
    name_zh = TextField(max_length=200, required=False, allow_blank=True)
    product_line = TextField(max_length=100, required=False, allow_blank=True)
    warranty_months = _warranty_months_field(required=False)
    covers_parts = serializers.BooleanField(required=False)
    covers_labour = serializers.BooleanField(required=False)
    covers_on_site = serializers.BooleanField(required=False)
    service_notes = TextField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class ProductFilter(StrictFilterSet):
    model_code = filters.CharFilter(field_name="model_code", lookup_expr="iexact")
    product_line = filters.CharFilter(field_name="product_line", lookup_expr="iexact")
    active = filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Product
        fields: list[str] = []


class ProductRefSerializer(FieldsOnceModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "model_code"]


class OwnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UnitSerializer(FieldsOnceModelSerializer):
    product = ProductRefSerializer()
    customer = OwnerRefSerializer(help_text=_("The owner."))
    organization = OwnerRefSerializer(allow_null=True)
    warranty_ends_on = serializers.DateField(
        allow_null=True, help_text=_("The override when there is one, else the product's period.")
    )
    in_warranty = serializers.BooleanField(help_text=_("Covered today, in the tenant's date."))

    class Meta:
        model = Unit
        fields = [
            "id",
            "serial",
            "product",
            "customer",
            "organization",
            "purchased_on",
            "purchase_channel",
            "installation_address",
            "installed_on",
            "status",
            "warranty_ends_on",
            "in_warranty",
            "created_at",
        ]


class UnitCreateSerializer(ShallowFieldsSerializer):
    serial = TextField(
        max_length=200, help_text=_("As printed: case and spaces are ignored (sn 12-ab → SN12-AB).")
    )
    product = TenantPrimaryKeyField(Product)
    customer = TenantPrimaryKeyField(Customer, select_related=("organization",))
    organization = TenantPrimaryKeyField(
        Organization,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Defaults to the customer's organization."),
    )
    purchased_on = serializers.DateField(help_text=_("Not in the future."))
    purchase_channel = TextField(max_length=200, required=False, allow_blank=True, default="")
    installation_address = TextField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    installed_on = serializers.DateField(required=False, allow_null=True, default=None)


class UnitUpdateSerializer(ShallowFieldsSerializer):
    """Only the fields sent are changed; the serial and the product are not."""

    customer = TenantPrimaryKeyField(Customer, required=False)
    organization = TenantPrimaryKeyField(Organization, required=False, allow_null=True)
    purchased_on = serializers.DateField(required=False)
    purchase_channel = TextField(max_length=200, required=False, allow_blank=True)
    installation_address = TextField(max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True)
    installed_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=UnitStatus.choices, required=False)


class UnitFilter(StrictFilterSet):
    serial = filters.CharFilter(
        method="by_serial", label=_("Serial number as typed (case and spaces ignored)")
    )
    customer = IntegerFilter(field_name="customer_id", min_value=1, max_value=MAX_ID)
    product = IntegerFilter(field_name="product_id", min_value=1, max_value=MAX_ID)
    in_warranty = filters.BooleanFilter(method="by_warranty", label=_("Covered today"))

    class Meta:
        model = Unit
        fields: list[str] = []

    def by_serial(self, queryset, name, value):
        return queryset.filter(serial=normalise_serial(value))

    def by_warranty(self, queryset, name, value):
        if value is None:
            return queryset
        condition = selectors.in_warranty_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)


def _require_catalogue_editor(request) -> None:
    """Agents read the catalogue; changing it is for admins and managers (others: 404, as the
    pages answer)."""
    if request_member(request).role not in CATALOGUE_EDITORS:
        raise Http404


@extend_schema_view(
    list=extend_schema(summary="The product catalogue, oldest first (cursor pages)"),
    retrieve=extend_schema(
        summary="One product", responses={200: ProductSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Add a product to the catalogue (admins and managers)",
        description="A model code the tenant has already is a 400 naming `model_code`.",
        request=ProductCreateSerializer,
        responses={201: ProductSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
    partial_update=extend_schema(
        summary="Change a product (admins and managers)",
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **WRITE_ERRORS},
    ),
)
class ProductViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = Product
    serializer_class = ProductSerializer
    pagination_class = PkCursorPagination
    filter_backends = [SentFiltersBackend]
    filterset_class = ProductFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return Product.objects.all()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ProductSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(ProductSerializer(selectors.product_get(pk=id_from_path(pk))).data)

    def create(self, request):
        _require_catalogue_editor(request)

        def create() -> Response:
            data = validated(ProductCreateSerializer, request.data)
            product = services.product_create(
                tenant=request._request.tenant, actor=request_member(request), **data
            )
            return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

        return idempotent(request, create)

    def partial_update(self, request, pk: str):
        product = selectors.product_get(pk=id_from_path(pk))
        _require_catalogue_editor(request)
        data = validated(ProductUpdateSerializer, request.data)
        services.product_update(product=product, actor=request_member(request), **data)
        return Response(ProductSerializer(product).data)


@extend_schema_view(
    list=extend_schema(summary="Registered units (the installed base), newest first"),
    retrieve=extend_schema(summary="One unit", responses={200: UnitSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Register a unit",
        description="A serial number the tenant has registered already (whatever its case "
        "and spaces) is a 400 naming `serial`; a purchase date in the future a 400 naming "
        "`purchased_on`; an installation before the purchase one naming `installed_on`. "
        "Sends the `unit.registered` webhook.",
        request=UnitCreateSerializer,
        responses={201: UnitSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
    partial_update=extend_schema(
        summary="Change the owner, purchase, installation or status of a unit",
        request=UnitUpdateSerializer,
        responses={200: UnitSerializer, **WRITE_ERRORS},
    ),
)
class UnitViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = Unit
    serializer_class = UnitSerializer
    pagination_class = StableCursorPagination
    filter_backends = [SentFiltersBackend]
    filterset_class = UnitFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.unit_list()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(UnitSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(UnitSerializer(selectors.unit_get(pk=id_from_path(pk))).data)

    def create(self, request):
        def create() -> Response:
            data = validated(UnitCreateSerializer, request.data)
            unit = services.unit_register(
                tenant=request._request.tenant, actor=request_member(request), **data
            )
            return Response(
                UnitSerializer(selectors.unit_get(pk=unit.pk)).data,
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, create)

    def partial_update(self, request, pk: str):
        unit = selectors.unit_get(pk=id_from_path(pk))
        data = validated(UnitUpdateSerializer, request.data)
        services.unit_update(unit=unit, actor=request_member(request), **data)
        return Response(UnitSerializer(selectors.unit_get(pk=unit.pk)).data)


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("products", ProductViewSet, "product"),
    ("units", UnitViewSet, "unit"),
]
