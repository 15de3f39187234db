"""API of the SLA engine: policies (read) and the SLA state shown inside a ticket."""

from datetime import tzinfo

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from helpdesk.api import (
    FieldsOnceModelSerializer,
    TenantAPIView,
    TenantViewSetMixin,
    datetime_representation,
)

from .models import Calendar, Escalation, SlaPolicy, TicketSla


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EscalationSerializer(FieldsOnceModelSerializer):
    class Meta:
        model = Escalation
        fields = ["target", "level", "cycle", "reason", "due_at", "created_at"]


class TicketSlaSerializer(FieldsOnceModelSerializer):
    """Stored deadlines and colour: green, amber (at risk), red (breached), met, paused, none."""

    policy = PolicyRefSerializer(allow_null=True)

    class Meta:
        model = TicketSla
        fields = [
            "policy",
            "colour",
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "next_deadline_at",
            "first_response_breached_at",
            "next_response_breached_at",
            "resolution_breached_at",
            "paused_since",
            "is_escalated",
        ]


# The two below build the serializers' output straight from loaded rows: a ticket list page
# spent most of its time in DRF's field-by-field walk. The serializers above stay the
# documented shape (OpenAPI); tests/api/test_ticket_representation.py holds the two equal.
def ticket_sla_representation(sla: TicketSla, zone: tzinfo) -> dict:
    """``TicketSlaSerializer``'s output; ``zone``: the active time zone."""
    policy = sla.policy
    return {
        "policy": None if policy is None else {"id": policy.id, "name": policy.name},
        "colour": str(sla.colour),
        "first_response_due_at": datetime_representation(sla.first_response_due_at, zone),
        "next_response_due_at": datetime_representation(sla.next_response_due_at, zone),
        "resolution_due_at": datetime_representation(sla.resolution_due_at, zone),
        "next_deadline_at": datetime_representation(sla.next_deadline_at, zone),
        "first_response_breached_at": datetime_representation(sla.first_response_breached_at, zone),
        "next_response_breached_at": datetime_representation(sla.next_response_breached_at, zone),
        "resolution_breached_at": datetime_representation(sla.resolution_breached_at, zone),
        "paused_since": datetime_representation(sla.paused_since, zone),
        "is_escalated": sla.is_escalated,
    }


def escalation_representation(escalation: Escalation, zone: tzinfo) -> dict:
    """``EscalationSerializer``'s output; ``zone``: the active time zone."""
    return {
        "target": str(escalation.target),
        "level": str(escalation.level),
        "cycle": escalation.cycle,
        "reason": escalation.reason,
        "due_at": datetime_representation(escalation.due_at, zone),
        "created_at": datetime_representation(escalation.created_at, zone),
    }


class CalendarRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Calendar
        fields = ["id", "name", "time_zone", "is_24x7"]


class SlaPolicySerializer(serializers.ModelSerializer):
    calendar = CalendarRefSerializer()
    priorities = serializers.ListField(child=serializers.CharField())
    tiers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    categories = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    first_response_minutes = serializers.DecimalField(
        max_digits=9, decimal_places=2, coerce_to_string=False
    )
    next_response_minutes = serializers.DecimalField(
        max_digits=9, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    resolution_minutes = serializers.DecimalField(
        max_digits=9, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = SlaPolicy
        fields = ["id", *SlaPolicy.EDITABLE_FIELDS]


@extend_schema_view(
    list=extend_schema(
        summary="SLA policies, in the order they are tried",
        description="The first active policy whose conditions (priorities, tiers, categories) "
        "all match a ticket applies; an empty condition matches everything. Targets are "
        "minutes of the policy's calendar.",
    ),
    retrieve=extend_schema(summary="One SLA policy"),
)
class SlaPolicyViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = SlaPolicy
    serializer_class = SlaPolicySerializer

    def scoped_queryset(self):
        return SlaPolicy.objects.select_related("calendar").prefetch_related("tiers", "categories")


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [("sla-policies", SlaPolicyViewSet, "sla-policy")]
