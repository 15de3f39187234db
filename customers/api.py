"""API of customers: customers (list, read, create), organizations and tiers (read)."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    FieldsOnceModelSerializer,
    StableCursorPagination,
    TenantAPIView,
    TenantPrimaryKeyField,
    TenantViewSetMixin,
    id_from_path,
    idempotent,
    validated,
    validated_query,
)
from helpdesk.models import Role
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS

from . import selectors, services
from .models import KEY_INFO_MAX_LENGTH, Customer, Organization, Tier


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "code", "name", "rank", "colour", "is_vip"]


class TierRefSerializer(FieldsOnceModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "code", "name"]


class OrganizationSerializer(serializers.ModelSerializer):
    tier = TierRefSerializer(allow_null=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "tier", "created_at"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]


class CustomerRefSerializer(FieldsOnceModelSerializer):
    """A customer inside another resource (a ticket)."""

    tier = TierRefSerializer(allow_null=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "tier", "key_info"]


def customer_ref_representation(customer: Customer) -> dict:
    """``CustomerRefSerializer``'s output, read straight off the loaded customer and tier
    (``tests/api/test_ticket_representation.py`` holds the two equal)."""
    tier = customer.tier
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "tier": None if tier is None else {"id": tier.id, "code": tier.code, "name": tier.name},
        "key_info": customer.key_info,
    }


class CustomerSerializer(serializers.ModelSerializer):
    tier = TierRefSerializer(allow_null=True, help_text=_("The customer's own tier."))
    organization = OrganizationRefSerializer(allow_null=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    merged_into = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Set on a duplicate merged into another.")
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "organization",
            "tier",
            "tags",
            "key_info",
            "language",
            "merged_into",
            "created_at",
        ]


class CustomerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    organization = TenantPrimaryKeyField(Organization, required=False, allow_null=True)
    tier = TenantPrimaryKeyField(Tier, required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=20, default=list
    )
    key_info = serializers.CharField(
        max_length=KEY_INFO_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    language = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not (attrs["name"].strip() or attrs["email"] or attrs["phone"].strip()):
            raise serializers.ValidationError(
                {"name": [_("Give at least a name, an e-mail address or a phone number.")]}
            )
        return attrs


class CustomerListParamsSerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text=_("Part of the name, e-mail, phone or organization name."),
    )
    tier = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Effective tier: the customer's own, else the organization's."),
    )


# Who may take a customer's whole record out (an access request); others get 404, as on pages.
EXPORT_ROLES = (Role.ADMIN, Role.MANAGER)


@transaction.atomic
def customer_create_from_api(*, request, data: dict) -> Customer:
    return services.customer_create(
        tenant=request._request.tenant, actor=request._request.membership, **data
    )


@extend_schema_view(
    list=extend_schema(
        summary="Customers, newest first (cursor pages; merged duplicates left out)",
        parameters=[CustomerListParamsSerializer],
    ),
    retrieve=extend_schema(summary="One customer"),
    create=extend_schema(
        summary="Create a customer",
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
)
class CustomerViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = Customer
    serializer_class = CustomerSerializer
    pagination_class = StableCursorPagination

    def scoped_queryset(self):
        params = validated_query(CustomerListParamsSerializer, self.request.query_params)
        return selectors.customer_list(query=params["search"], tier_id=params["tier"])

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CustomerSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(CustomerSerializer(selectors.customer_get(pk=id_from_path(pk))).data)

    @extend_schema(
        summary="Everything stored about one customer (admins and managers)",
        description=(
            "The customer, the duplicates merged into them, their tickets with every message "
            "(internal notes too), attachment metadata, audit trails, surveys, follow-ups and "
            "e-mails, as one JSON document with ISO 8601 timestamps: the answer to a PIPL / "
            "GDPR access request. Other roles get 404."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request, pk: str):
        if request._request.membership.role not in EXPORT_ROLES:
            raise Http404
        customer = selectors.customer_get(pk=id_from_path(pk))
        return Response(selectors.customer_export(customer=customer))

    def create(self, request):
        def create() -> Response:
            data = validated(CustomerCreateSerializer, request.data)
            customer = customer_create_from_api(request=request, data=data)
            customer = selectors.customer_get(pk=customer.pk)
            return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

        return idempotent(request, create)


@extend_schema_view(
    list=extend_schema(summary="Organizations customers belong to"),
    retrieve=extend_schema(summary="One organization"),
)
class OrganizationViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = Organization
    serializer_class = OrganizationSerializer

    def scoped_queryset(self):
        return selectors.organizations_with_tiers()


@extend_schema_view(
    list=extend_schema(summary="Customer tiers (客户分层), most important first"),
    retrieve=extend_schema(summary="One customer tier"),
)
class TierViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = Tier
    serializer_class = TierSerializer

    def scoped_queryset(self):
        return Tier.objects.order_by("rank", "pk")


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("customers", CustomerViewSet, "customer"),
    ("organizations", OrganizationViewSet, "organization"),
    ("tiers", TierViewSet, "tier"),
]
