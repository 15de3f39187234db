"""API of spare parts and stock: ``/api/v1/parts/`` (with stock per location) and
``/api/v1/stock-movements/``.

Thin: input serializers parse, ``repairs.selectors`` read (another tenant's row is a 404 or an
unknown id), ``repairs.services`` write; a service's ``ValidationError`` becomes a 400 naming
the field (``helpdesk.platform.api_errors``).
"""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    MAX_ID,
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
from helpdesk.models import Membership, Role, Team
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from helpdesk.platform.api_filters import IntegerFilter
from products.models import Product
from repairs import selectors, services
from repairs.models import MONEY, Part, StockLocation, StockMovement
from tickets.selectors import tickets_visible_to

MAX_QUANTITY = 100_000
# Who keeps the catalogue of parts (as on the pages); others get 404 on its writes.
PART_OWNERS = (Role.ADMIN, Role.MANAGER)

# --- output -------------------------------------------------------------------------------------


class LocationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StockLocation
        fields = ["id", "name", "kind"]


class StockLevelSerializer(serializers.Serializer):
    location = LocationRefSerializer()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class PartSerializer(serializers.ModelSerializer):
    responsible_team = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    compatible_products = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("Product ids.")
    )
    total_on_hand = serializers.IntegerField(help_text=_("Across all locations."))
    total_reserved = serializers.IntegerField()
    available = serializers.SerializerMethodField()
    is_low = serializers.SerializerMethodField(
        help_text=_("The total on hand is at or below the low-stock threshold.")
    )
    stock = StockLevelSerializer(source="stock_levels", many=True)

    class Meta:
        model = Part
        fields = [
            "id",
            "part_number",
            "name",
            "name_zh",
            "unit_cost",
            "unit_price",
            "low_stock_threshold",
            "responsible_team",
            "compatible_products",
            "is_active",
            "total_on_hand",
            "total_reserved",
            "available",
            "is_low",
            "stock",
            "created_at",
        ]

    def get_available(self, part) -> int:
        return part.total_on_hand - part.total_reserved

    def get_is_low(self, part) -> bool:
        return part.total_on_hand <= part.low_stock_threshold


class StockMovementSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")
    ticket = serializers.IntegerField(
        source="ticket.number", allow_null=True, default=None, help_text=_("Ticket number.")
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "kind",
            "quantity",
            "part",
            "part_number",
            "location",
            "ticket",
            "unit",
            "unit_cost",
            "unit_price",
            "actor",
            "note",
            "created_at",
        ]


# --- input --------------------------------------------------------------------------------------


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=0,
        **kwargs,
    )


class PartWriteSerializer(ShallowFieldsSerializer):
    part_number = TextField(max_length=64, help_text=_("Stored stripped and upper-cased."))
    name = TextField(max_length=200)
    name_zh = TextField(max_length=200, required=False, allow_blank=True)
    unit_cost = _money(required=False)
    unit_price = _money(required=False)
    low_stock_threshold = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, required=False
    )
    responsible_team = TenantPrimaryKeyField(Team, required=False, allow_null=True)
    compatible_products = TenantPrimaryKeyField(
        Product, many=True, required=False, help_text=_("Product ids of this desk.")
    )
    is_active = serializers.BooleanField(required=False)


class MovementKindChoice:
    RECEIVED = "received"
    CONSUMED = "consumed"
    RETURNED = "returned"
    TRANSFERRED = "transferred"
    CHOICES = [RECEIVED, CONSUMED, RETURNED, TRANSFERRED]


class MovementCreateSerializer(ShallowFieldsSerializer):
    kind = serializers.ChoiceField(
        choices=MovementKindChoice.CHOICES,
        help_text=_(
            "received: parts arrive at location; consumed: fitted for ticket; returned: a "
            "part consumed for ticket comes back to location; transferred: from location to "
            "destination."
        ),
    )
    part = TenantPrimaryKeyField(Part)
    location = TenantPrimaryKeyField(StockLocation)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    ticket = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The ticket's number; needed to consume or return."),
    )
    destination = TenantPrimaryKeyField(
        StockLocation, required=False, allow_null=True, default=None
    )
    from_reservation = serializers.BooleanField(
        default=False, help_text=_("Consume from the ticket's reservation at location.")
    )
    note = TextField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        kind = attrs["kind"]
        needs_ticket = kind in (MovementKindChoice.CONSUMED, MovementKindChoice.RETURNED)
        if needs_ticket and attrs["ticket"] is None:
            raise serializers.ValidationError({"ticket": [_("Give the ticket's number.")]})
        if kind == MovementKindChoice.TRANSFERRED and attrs["destination"] is None:
            raise serializers.ValidationError({"destination": [_("Give the destination.")]})
        if attrs["ticket"] is not None:
            attrs["ticket"] = self._visible_ticket(attrs["ticket"])
        return attrs

    def _visible_ticket(self, number: int):
        """The ticket among those the caller may see; else unknown, as another tenant's."""
        member = request_member(self.context["request"])
        ticket = tickets_visible_to(member).filter(number=number).first()
        if ticket is None:
            raise serializers.ValidationError({"ticket": [_("No ticket with this number.")]})
        return ticket


class PartFilter(StrictFilterSet):
    part_number = filters.CharFilter(method="by_number", max_length=64)
    product = IntegerFilter(
        method="by_product", min_value=1, max_value=MAX_ID, label=_("Compatible product id")
    )
    low = filters.BooleanFilter(method="by_low", label=_("At or below the low-stock threshold"))

    class Meta:
        model = Part
        fields: list[str] = []

    def by_number(self, parts, name, value):
        return parts.filter(part_number=value.strip().upper())

    def by_product(self, parts, name, value):
        return parts.filter(
            pk__in=Part.compatible_products.through.objects.filter(product_id=value).values(
                "part_id"
            )
        )

    def by_low(self, parts, name, value):
        return parts.filter(pk__in=selectors.parts_list(low=value).values("pk"))


class MovementFilter(StrictFilterSet):
    part = IntegerFilter(field_name="part_id", min_value=1, max_value=MAX_ID)
    ticket = IntegerFilter(
        field_name="ticket__number", min_value=1, max_value=MAX_ID, label=_("Ticket number")
    )
    location = IntegerFilter(field_name="location_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = StockMovement
        fields: list[str] = []


# --- writes -------------------------------------------------------------------------------------


def _check_part_owner(member: Membership) -> None:
    if member.role not in PART_OWNERS:
        raise Http404


@transaction.atomic
def movement_create_from_api(*, request, data: dict) -> list[StockMovement]:
    """The rows the service wrote, in order."""
    tenant, member = request._request.tenant, request_member(request)
    common = {"tenant": tenant, "actor": member, "part": data["part"]}
    quantity, note, kind = data["quantity"], data["note"], data["kind"]
    if kind == MovementKindChoice.RECEIVED:
        rows = [
            services.stock_receive(
                **common, location=data["location"], quantity=quantity, note=note
            )
        ]
    elif kind == MovementKindChoice.CONSUMED:
        rows = [
            services.stock_consume(
                **common,
                location=data["location"],
                quantity=quantity,
                ticket=data["ticket"],
                from_reservation=data["from_reservation"],
                note=note,
            )
        ]
    elif kind == MovementKindChoice.RETURNED:
        rows = [
            services.stock_return(
                **common,
                location=data["location"],
                quantity=quantity,
                ticket=data["ticket"],
                note=note,
            )
        ]
    else:
        rows = list(
            services.stock_transfer(
                **common,
                source=data["location"],
                destination=data["destination"],
                quantity=quantity,
                note=note,
            )
        )
    return rows


# --- views --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Spare parts with their stock per location (cursor pages, oldest first)",
    ),
    retrieve=extend_schema(summary="One part", responses={200: PartSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Create a part (admins and managers)",
        description="A part number the desk has already is a 400 naming `part_number`.",
        request=PartWriteSerializer,
        responses={201: PartSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Compressor",
                request_only=True,
                value={
                    "part_number": "CMP-100",
                    "name": "Compressor",
                    "unit_cost": "80.00",
                    "unit_price": "120.00",
                    "low_stock_threshold": 2,
                    "compatible_products": [3],
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change a part (admins and managers)",
        request=PartWriteSerializer(partial=True),
        responses={200: PartSerializer, **WRITE_ERRORS},
    ),
)
class PartViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = Part
    serializer_class = PartSerializer
    pagination_class = PkCursorPagination
    filter_backends = [SentFiltersBackend]
    filterset_class = PartFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.parts_list()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PartSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(PartSerializer(selectors.part_get(pk=id_from_path(pk))).data)

    def create(self, request):
        _check_part_owner(request_member(request))

        def create() -> Response:
            data = validated(PartWriteSerializer, request.data)
            part = services.part_create(
                tenant=request._request.tenant, actor=request_member(request), **data
            )
            body = PartSerializer(selectors.part_get(pk=part.pk)).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, create)

    def partial_update(self, request, pk: str):
        _check_part_owner(request_member(request))
        part = selectors.part_get(pk=id_from_path(pk))
        data = validated(PartWriteSerializer, request.data, partial=True)
        services.part_update(
            tenant=request._request.tenant, actor=request_member(request), part=part, **data
        )
        return Response(PartSerializer(selectors.part_get(pk=part.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Stock movements, newest first (cursor pages)"),
    create=extend_schema(
        summary="Receive, consume, return or transfer parts",
        description="Goes through the same services as the pages: stock never goes below "
        "zero; more than is available is a 400 naming `quantity`. Answers the rows written "
        "(a transfer writes two, out and in; consuming a reservation writes its release too).",
        request=MovementCreateSerializer,
        responses={201: StockMovementSerializer(many=True), **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Consume for a ticket",
                request_only=True,
                value={"kind": "consumed", "part": 1, "location": 1, "quantity": 1, "ticket": 42},
            ),
            OpenApiExample(
                "Warehouse to a van",
                request_only=True,
                value={
                    "kind": "transferred",
                    "part": 1,
                    "location": 1,
                    "destination": 2,
                    "quantity": 3,
                },
            ),
        ],
    ),
)
class StockMovementViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = StockMovement
    serializer_class = StockMovementSerializer
    pagination_class = StableCursorPagination
    filter_backends = [SentFiltersBackend]
    filterset_class = MovementFilter
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.movements_list()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(StockMovementSerializer(page, many=True).data)

    def create(self, request):
        def create() -> Response:
            data = validated(MovementCreateSerializer, request.data, context={"request": request})
            rows = movement_create_from_api(request=request, data=data)
            body = StockMovementSerializer(rows, many=True).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, create)


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("parts", PartViewSet, "part"),
    ("stock-movements", StockMovementViewSet, "stock-movement"),
]
