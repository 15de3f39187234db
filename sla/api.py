"""API of the SLA engine: policies (read) and the SLA state shown inside a ticket."""

from datetime import tzinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from helpdesk.api import (
    FieldsOnceModelSerializer,
    TenantAPIView,
    TenantViewSetMixin,
    datetime_representation,
)
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS
from products.entitlement import Kind
from tickets import api as tickets_api

from .models import Calendar, Colour, Escalation, SlaPolicy, TicketSla


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
    entitlements = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.CHOICES),
        help_text=_("Entitlement kinds the policy matches (any of them); empty: any."),
    )
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
        description="The first active policy whose conditions (priorities, tiers, categories, "
        "entitlements) all match a ticket applies; an empty condition matches everything. "
        "Targets are minutes of the policy's calendar; a service contract's first-response "
        "and resolution targets replace the policy's for tickets about a unit it covers.",
    ),
    retrieve=extend_schema(summary="One SLA policy"),
)
class SlaPolicyViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = SlaPolicy
    serializer_class = SlaPolicySerializer

    def scoped_queryset(self):
        return SlaPolicy.objects.select_related("calendar").prefetch_related("tiers", "categories")


# --- tickets with their SLA -------------------------------------------------------------------
# The ticket endpoint is tickets' own (tickets.api) with what the SLA engine knows of each
# ticket added here: the SLA block, the detail's escalations and the colour filter.


class TicketSerializer(tickets_api.TicketSerializer):
    sla = TicketSlaSerializer(allow_null=True, help_text=_("Null until an SLA is computed."))

    class Meta(tickets_api.TicketSerializer.Meta):
        fields = [*tickets_api.TicketSerializer.Meta.fields, "sla"]

    def to_representation(self, instance):
        return _with_sla(super().to_representation(instance), instance)


class TicketDetailSerializer(TicketSerializer):
    escalations = EscalationSerializer(
        many=True, read_only=True, help_text=_("SLA warnings, breaches and escalations.")
    )

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "escalations"]

    def to_representation(self, instance):
        zone = timezone.get_current_timezone()
        data = _with_sla(tickets_api.ticket_representation(instance, zone), instance)
        data["escalations"] = [
            escalation_representation(escalation, zone) for escalation in instance.escalations.all()
        ]
        return data


def _with_sla(data: dict, ticket) -> dict:
    sla = getattr(ticket, "sla", None)  # None while the ticket has no SLA row
    zone = timezone.get_current_timezone()
    data["sla"] = None if sla is None else ticket_sla_representation(sla, zone)
    return data


class TicketFilter(tickets_api.TicketFilter):
    sla_colour = filters.MultipleChoiceFilter(field_name="sla__colour", choices=Colour.choices)


@extend_schema_view(
    retrieve=extend_schema(responses={200: TicketDetailSerializer, **READ_ERRORS}),
    create=extend_schema(responses={201: TicketDetailSerializer, **IDEMPOTENT_CREATE_ERRORS}),
    partial_update=extend_schema(responses={200: TicketDetailSerializer, **WRITE_ERRORS}),
)
class TicketViewSet(tickets_api.TicketViewSet):
    serializer_class = TicketSerializer
    detail_serializer_class = TicketDetailSerializer
    filterset_class = TicketFilter


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("tickets", TicketViewSet, "ticket"),
    ("sla-policies", SlaPolicyViewSet, "sla-policy"),
]
