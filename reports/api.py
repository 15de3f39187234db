"""``GET /api/v1/reports/kpis/``: every KPI of ``reports.kpis`` as JSON.

Managers, admins and quality supervisors get the whole tenant; team leads their teams; an
agent their own figures (the agent filter is forced to themselves) — ``reports.access``.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from helpdesk.api import TenantAPIView, validated_query
from tickets.models import Channel

from .access import access_for
from .kpis import KpiFilters, KpiSource, Period, kpis_as_dict
from .selectors import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS

_DAYS = {"days": MAX_PERIOD_DAYS}


class KpiQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    team = serializers.IntegerField(required=False, min_value=1)
    agent = serializers.IntegerField(required=False, min_value=1)
    category = serializers.IntegerField(required=False, min_value=1)
    tier = serializers.IntegerField(required=False, min_value=1)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    compare = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"end": _("Give both start and end, or neither.")})
        if start is not None and not 0 < (end - start).days <= MAX_PERIOD_DAYS:
            raise serializers.ValidationError(
                {"end": _("end must be after start, at most %(days)s days later.") % _DAYS}
            )
        return attrs


class KpiValueSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)
    previous = serializers.JSONField(allow_null=True)
    unit = serializers.CharField()
    target = serializers.FloatField(allow_null=True)


class KpiResponseSerializer(serializers.Serializer):
    period = serializers.DictField(child=serializers.DateField())
    time_zone = serializers.CharField()
    filters = serializers.DictField()
    kpis = serializers.DictField(child=KpiValueSerializer())
    escalations_by_reason = serializers.ListField(child=serializers.DictField())


PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (tenant time zone)."),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Day after the last one: the period is [start, end)."
    ),
    OpenApiParameter("team", OpenApiTypes.INT, description="Team id."),
    OpenApiParameter("agent", OpenApiTypes.INT, description="Membership id; agents: ignored."),
    OpenApiParameter("category", OpenApiTypes.INT, description="Category id."),
    OpenApiParameter("tier", OpenApiTypes.INT, description="Customer tier id."),
    OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values),
    OpenApiParameter(
        "compare", OpenApiTypes.BOOL, description="Also compute the previous period (default)."
    ),
]


class KpiView(TenantAPIView):
    @extend_schema(
        parameters=PARAMETERS,
        responses=KpiResponseSerializer,
        summary="KPIs of a period",
        description=(
            "Every KPI of the reports module for [start, end) (default: the last 30 days), "
            "with the previous period of the same length for comparison. Times are seconds in "
            "the SLA calendar with pauses cut out; rates are percent. Figures are as of the "
            "last rollup (a few minutes). Agents always get their own figures only."
        ),
    )
    def get(self, request):
        query = validated_query(KpiQuerySerializer, request.query_params)
        tenant = request._request.tenant
        membership = request._request.membership
        period = _period(tenant, query.get("start"), query.get("end"))
        wanted = KpiFilters(
            teams=(query["team"],) if "team" in query else None,
            agent=query.get("agent"),
            category=query.get("category"),
            tier=query.get("tier"),
            channel=query.get("channel", ""),
        )
        filters = access_for(membership).restrict(wanted)
        source = KpiSource(tenant=tenant, period=period, filters=filters)
        return Response(kpis_as_dict(source, compare=query["compare"]))


def _period(tenant, start, end) -> Period:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tenant.time_zone)
    if start is None:
        today = timezone.now().astimezone(zone).date()
        return Period(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today + timedelta(1), zone)
    return Period(start, end, zone)
