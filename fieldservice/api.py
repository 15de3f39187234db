"""API of work orders: ``/api/v1/work-orders/`` with the actions ``schedule`` and ``move``.

Thin: input serializers parse, ``fieldservice.selectors`` read (a work order on a ticket the
caller may not open, or of another tenant, is a 404), ``fieldservice.services`` write; a
service's ``ValidationError`` becomes a 400 naming the field.
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fieldservice import selectors, services
from fieldservice.models import WorkOrder, WorkOrderKind, WorkOrderStatus
from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    MAX_ID,
    FieldsOnceModelSerializer,
    PkCursorPagination,
    SentFiltersBackend,
    ShallowFieldsSerializer,
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
from helpdesk.models import Membership, Skill
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, WRITE_ERRORS
from helpdesk.platform.api_filters import IntegerFilter, UtcIsoDateTimeFilter
from products.api import UnitField, UnitRefSerializer
from tickets.selectors import tickets_visible_to

# --- output -------------------------------------------------------------------------------------


class TechnicianRefSerializer(FieldsOnceModelSerializer):
    name = serializers.CharField(source="user.__str__")

    class Meta:
        model = Membership
        fields = ["id", "name"]


class WorkOrderSerializer(FieldsOnceModelSerializer):
    ticket = serializers.IntegerField(source="ticket.number", help_text=_("Ticket number."))
    unit = UnitRefSerializer(allow_null=True)
    technician = TechnicianRefSerializer(allow_null=True)
    on_site_due_at = serializers.SerializerMethodField(
        help_text=_("A visit's promise: on site by (null for a depot repair).")
    )
    turnaround_due_at = serializers.SerializerMethodField(
        help_text=_("A depot repair's promise: shipped back by (null for a visit).")
    )
    target_colour = serializers.CharField(
        source="colour",
        help_text=_("green, amber, red (missed), met, or none (no promise)."),
    )
    target_met_at = serializers.DateTimeField(source="due_met_at", allow_null=True)
    target_missed_at = serializers.DateTimeField(source="breached_at", allow_null=True)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_on_site_due_at(self, work_order: WorkOrder):
        return self._due(work_order, WorkOrderKind.ON_SITE)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_turnaround_due_at(self, work_order: WorkOrder):
        return self._due(work_order, WorkOrderKind.DEPOT_REPAIR)

    def _due(self, work_order: WorkOrder, kind: str):
        if work_order.kind != kind or work_order.due_at is None:
            return None
        return serializers.DateTimeField().to_representation(work_order.due_at)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "ticket",
            "unit",
            "kind",
            "status",
            "rma_number",
            "address",
            "region",
            "on_site_due_at",
            "turnaround_due_at",
            "target_colour",
            "target_met_at",
            "target_missed_at",
            "appointment_start",
            "appointment_end",
            "technician",
            "checked_in_at",
            "checked_out_at",
            "outcome_reason",
            "inbound_carrier",
            "inbound_tracking",
            "return_tracking",
            "status_changed_at",
            "created_at",
        ]


# --- input --------------------------------------------------------------------------------------


class WorkOrderCreateSerializer(ShallowFieldsSerializer):
    ticket = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The ticket's number.")
    )
    kind = serializers.ChoiceField(choices=WorkOrderKind.choices)
    unit = UnitField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The unit's id or serial number; the ticket's unit when left out."),
    )
    address = TextField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The unit's installation address when left out."),
    )
    required_skills = TenantPrimaryKeyField(Skill, many=True, required=False, default=list)
    inbound_carrier = TextField(max_length=100, required=False, allow_blank=True, default="")
    inbound_tracking = TextField(max_length=100, required=False, allow_blank=True, default="")

    def validate_ticket(self, number: int):
        member = request_member(self.context["request"])
        ticket = tickets_visible_to(member).filter(number=number).first()
        if ticket is None:
            raise serializers.ValidationError(_("No ticket with this number."))
        return ticket


class ScheduleSerializer(ShallowFieldsSerializer):
    technician = TenantPrimaryKeyField(Membership, only={"is_active": True})
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class MoveSerializer(ShallowFieldsSerializer):
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices)
    reason = TextField(max_length=1000, required=False, allow_blank=True, default="")
    tracking = TextField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The return tracking number, to ship a repair back."),
    )


class WorkOrderFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=WorkOrderKind.choices)
    status = filters.ChoiceFilter(choices=WorkOrderStatus.choices)
    technician = IntegerFilter(field_name="technician_id", min_value=1, max_value=MAX_ID)
    due_after = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    target_colour = filters.ChoiceFilter(
        field_name="colour",
        choices=[(c, c) for c in ("green", "amber", "red", "met", "none")],
    )

    class Meta:
        model = WorkOrder
        fields: list[str] = []


# --- views --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Work orders: on-site visits and depot repairs (cursor pages)"),
    retrieve=extend_schema(summary="One work order"),
    create=extend_schema(
        summary="Create an on-site visit or a depot repair for a ticket",
        description="A depot repair gets the desk's next RMA number. A visit without an "
        "address (given, or the unit's installation address) is a 400 naming `address`.",
        request=WorkOrderCreateSerializer,
        responses={201: WorkOrderSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Depot repair",
                request_only=True,
                value={"ticket": 42, "kind": "depot_repair", "inbound_tracking": "SF123"},
            )
        ],
    ),
)
class WorkOrderViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = WorkOrder
    serializer_class = WorkOrderSerializer
    pagination_class = PkCursorPagination
    filter_backends = [SentFiltersBackend]
    filterset_class = WorkOrderFilter
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self):
        return selectors.work_orders_visible_to(request_member(self.request))

    def _work_order(self, pk: str) -> WorkOrder:
        member = request_member(self.request)
        return selectors.work_order_get_for_member(member=member, pk=id_from_path(pk))

    def _answer(self, work_order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
        fresh = self._work_order(str(work_order.pk))
        return Response(WorkOrderSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(WorkOrderSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(WorkOrderSerializer(self._work_order(pk)).data)

    def create(self, request):
        def create() -> Response:
            data = validated(WorkOrderCreateSerializer, request.data, context={"request": request})
            work_order = services.work_order_create(
                tenant=request._request.tenant, actor=request_member(request), **data
            )
            return self._answer(work_order, status.HTTP_201_CREATED)

        return idempotent(request, create)

    @extend_schema(
        summary="Give a visit its technician and appointment window",
        description="A window overlapping another visit of the same technician is a 400 "
        "naming `technician`.",
        request=ScheduleSerializer,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def schedule(self, request, pk: str):
        work_order = self._work_order(pk)
        data = validated(ScheduleSerializer, request.data)
        services.work_order_schedule(work_order=work_order, actor=request_member(request), **data)
        return self._answer(work_order)

    @extend_schema(
        summary="Move a work order to another status of its kind",
        description="A move its kind's lifecycle does not have is a 400 naming `status`.",
        request=MoveSerializer,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def move(self, request, pk: str):
        work_order = self._work_order(pk)
        data = validated(MoveSerializer, request.data)
        services.work_order_move(work_order=work_order, actor=request_member(request), **data)
        return self._answer(work_order)


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [("work-orders", WorkOrderViewSet, "work-order")]
