"""API of the tenancy core: who am I, teams, skills."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .models import Skill, Team


class TenantRateThrottle(SimpleRateThrottle):
    """One request budget per tenant, shared by all its tokens and sessions (429 + Retry-After)."""

    scope = "tenant"

    def get_cache_key(self, request, view):
        tenant = getattr(request._request, "tenant", None)
        return None if tenant is None else f"throttle_tenant_{tenant.pk}"


class TenantAPIView(APIView):
    """Base of every API view: tenant members only (others get 404), per-tenant throttle.

    The tenant scope itself is opened by ``TenantMiddleware`` from the host; the token
    authentication refuses a key of another tenant.
    """

    throttle_classes = [TenantRateThrottle]


class TenantViewSetMixin:
    """``get_queryset`` for tenant-owned rows; the schema generator runs outside any scope,
    so it gets an empty queryset of the right model (drf-spectacular's ``swagger_fake_view``)."""

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    tenant = serializers.CharField()
    role = serializers.CharField()


class MeView(TenantAPIView):
    @extend_schema(responses=MeSerializer, summary="The member behind this token or session")
    def get(self, request):
        membership = request._request.membership
        data = {
            "email": request.user.email,
            "full_name": request.user.full_name,
            "tenant": membership.tenant.slug,
            "role": membership.role,
        }
        return Response(MeSerializer(data).data)


class TeamSerializer(serializers.ModelSerializer):
    lead_email = serializers.EmailField(source="lead.user.email", default=None, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "lead_email"]


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name"]


class TeamViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = Team
    serializer_class = TeamSerializer

    def scoped_queryset(self):
        return Team.objects.select_related("lead__user").order_by("name")


class SkillViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = Skill
    serializer_class = SkillSerializer

    def scoped_queryset(self):
        return Skill.objects.order_by("name")
