"""API of triggers (``/api/v1/triggers/``) and time-based automations
(``/api/v1/automations/``): CRUD for the tenant's admins (others: 404, as the settings pages
answer). A definition that cannot run is a 400 naming the offending path:
``{"conditions.all[0].operator": ["This field does not take this operator."]}``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from automations import selectors, services
from automations.models import Automation, Trigger, TriggerEvent
from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    FieldsOnceModelSerializer,
    PkCursorPagination,
    ShallowFieldsSerializer,
    TenantAPIView,
    TenantViewSetMixin,
    TextField,
    id_from_path,
    idempotent,
    request_member,
    validated,
)
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, WRITE_ERRORS

EXAMPLE = {
    "name": "E4 errors are urgent",
    "event": "ticket.created",
    "active": True,
    "position": 1,
    "conditions": {"all": [{"field": "subject", "operator": "contains", "value": "E4"}], "any": []},
    "actions": [{"type": "set_priority", "value": "urgent"}, {"type": "add_tags", "value": ["e4"]}],
}


class TriggerSerializer(FieldsOnceModelSerializer):
    active = serializers.BooleanField(source="is_active")
    conditions = serializers.JSONField()
    actions = serializers.JSONField()

    class Meta:
        model = Trigger
        fields = [
            "id",
            "name",
            "event",
            "active",
            "position",
            "conditions",
            "actions",
            "stop_processing",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]


class TriggerWriteSerializer(ShallowFieldsSerializer):
    name = TextField(max_length=120)
    event = serializers.ChoiceField(choices=TriggerEvent.choices)
    active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=100)
    conditions = serializers.JSONField(
        required=False,
        default=dict,
        help_text=_('{"all": [condition, …], "any": [condition, …]}'),
    )
    actions = serializers.JSONField(help_text=_('[{"type": …, "value": …}, …]'))
    stop_processing = serializers.BooleanField(required=False, default=False)


class TriggerPatchSerializer(TriggerWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


def _values(data: dict) -> dict:
    values = dict(data)
    if "active" in values:
        values["is_active"] = values.pop("active")
    return values


class RuleViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    """CRUD of one kind of rule (``model``), for the tenant's admins
    (``automations.selectors``)."""

    write_serializer: type[serializers.Serializer]
    patch_serializer: type[serializers.Serializer]
    pagination_class = PkCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        member = request_member(self.request)
        return selectors.rules_for_member(member=member, model=self.model)

    def _rule(self, pk: str):
        member = request_member(self.request)
        return selectors.rule_get_for_member(member=member, model=self.model, pk=id_from_path(pk))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("pk"))
        return self.get_paginated_response(self.serializer_class(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(self.serializer_class(self._rule(pk)).data)

    def create(self, request):
        self.get_queryset()  # admins only, before the idempotency key is looked at

        def create() -> Response:
            data = validated(self.write_serializer, request.data)
            rule = services.rule_create(
                tenant=request._request.tenant,
                actor=request_member(request),
                model=self.model,
                values=_values(data),
            )
            return Response(self.serializer_class(rule).data, status=status.HTTP_201_CREATED)

        return idempotent(request, create)

    def partial_update(self, request, pk: str):
        rule = self._rule(pk)
        data = validated(self.patch_serializer, request.data)
        services.rule_update(
            tenant=request._request.tenant,
            actor=request_member(request),
            rule=rule,
            values=_values(data),
        )
        return Response(self.serializer_class(rule).data)

    def destroy(self, request, pk: str):
        rule = self._rule(pk)
        services.rule_delete(
            tenant=request._request.tenant, actor=request_member(request), rule=rule
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Triggers, in the order they run"),
    retrieve=extend_schema(summary="One trigger"),
    create=extend_schema(
        summary="Create a trigger",
        request=TriggerWriteSerializer,
        responses={201: TriggerSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[OpenApiExample("Urgent E4", request_only=True, value=EXAMPLE)],
    ),
    partial_update=extend_schema(
        summary="Change a trigger",
        request=TriggerPatchSerializer,
        responses={200: TriggerSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Delete a trigger"),
)
class TriggerViewSet(RuleViewSet):
    model = Trigger
    serializer_class = TriggerSerializer
    write_serializer = TriggerWriteSerializer
    patch_serializer = TriggerPatchSerializer


# --- time-based automations ----------------------------------------------------------------------

PENDING_72H = {
    "name": "Pending 72 h: remind the customer",
    "active": True,
    "position": 1,
    "conditions": {
        "all": [
            {"field": "status", "operator": "is", "value": "pending"},
            {"field": "hours_since_updated", "operator": "gt", "value": 72},
        ],
        "any": [],
    },
    "actions": [{"type": "add_tags", "value": ["reminded"]}],
}


class AutomationSerializer(FieldsOnceModelSerializer):
    active = serializers.BooleanField(source="is_active")
    conditions = serializers.JSONField()
    actions = serializers.JSONField()

    class Meta:
        model = Automation
        fields = [
            "id",
            "name",
            "active",
            "position",
            "conditions",
            "actions",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]


class AutomationWriteSerializer(ShallowFieldsSerializer):
    name = TextField(max_length=120)
    active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=100)
    conditions = serializers.JSONField(
        help_text=_("As a trigger's, with an all-condition on the hours since something.")
    )
    actions = serializers.JSONField(help_text=_('[{"type": …, "value": …}, …]'))


class AutomationPatchSerializer(AutomationWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


@extend_schema_view(
    list=extend_schema(summary="Time-based automations, in the order they run"),
    retrieve=extend_schema(summary="One automation"),
    create=extend_schema(
        summary="Create a time-based automation",
        description="Checked every five minutes on the tickets its conditions select; fires "
        "at most once per ticket (again after the ticket is reopened).",
        request=AutomationWriteSerializer,
        responses={201: AutomationSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[OpenApiExample("Pending 72 h", request_only=True, value=PENDING_72H)],
    ),
    partial_update=extend_schema(
        summary="Change an automation",
        request=AutomationPatchSerializer,
        responses={200: AutomationSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Delete an automation"),
)
class AutomationViewSet(RuleViewSet):
    model = Automation
    serializer_class = AutomationSerializer
    write_serializer = AutomationWriteSerializer
    patch_serializer = AutomationPatchSerializer


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("triggers", TriggerViewSet, "trigger"),
    ("automations", AutomationViewSet, "automation"),
]
