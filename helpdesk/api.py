"""API of the tenancy core: who am I, teams, skills; and the pieces every API view shares
(base view, throttle, parsers, cursor pagination, ``Idempotency-Key``)."""

import copy
import re
from collections.abc import Callable
from datetime import datetime, tzinfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import BooleanFilter, DjangoFilterBackend, FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import ISO_8601, exceptions, serializers, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from helpdesk import idempotency
from helpdesk.models import Membership, Skill, Team
from helpdesk.platform.api_errors import PayloadTooLarge
from helpdesk.platform.throttling import ApiRateThrottle

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser reads the stream without Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    check (only ``request.body`` applies it): enforce the same limit here, 413 beyond it.

    Two kinds of JSON that parse but are not acceptable input are a 400 here, before any
    code sees them: nesting deeper than Python's parser can follow, and a lone surrogate
    (``"\\ud800"``), which is no character and cannot be stored or even encoded as UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and length and length.isdigit() and int(length) > limit:
            raise PayloadTooLarge()
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None
        if _has_lone_surrogate(data):
            raise exceptions.ParseError(
                _("JSON parse error - a string contains a lone surrogate (\\ud800–\\udfff).")
            )
        return data


def _has_lone_surrogate(data: object) -> bool:
    """Whether any key or string in parsed JSON holds a surrogate code point. The parser joins
    a valid pair (an emoji) into one character, so any left is a lone one. No recursion: the
    data may be nested nearly as deep as the parser allows."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not value.isascii() and LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


# The largest value a bigint primary key (or a ticket number) can hold.
MAX_ID = 2**63 - 1


def id_from_path(text: str) -> int:
    """A positive id or number from the URL, else 404 (never a database error for a huge one)."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise Http404
    return int(text)


def request_member(request) -> Membership:
    """The calling member of a DRF request: set by the tenant middleware or the token auth."""
    return request._request.membership


class TenantAPIView(APIView):
    """Base of every API view: tenant members only (others get 404), per-tenant and
    per-token throttles.

    The tenant scope itself is opened by ``TenantMiddleware`` from the host; the token
    authentication refuses a key of another tenant.
    """

    throttle_classes = [ApiRateThrottle]
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]


class TenantPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row of the request's tenant, by id.

    The queryset is built when the value is validated, inside the tenant scope: a class-level
    ``Model.objects.all()`` would raise ``ScopeError``. An id of another tenant is answered
    exactly like an unknown id, so it proves nothing.
    """

    def __init__(self, model, *, only: dict | None = None, select_related: tuple = (), **kwargs):
        """``select_related``: relations the caller reads next, fetched with the row."""
        self.only = only or {}
        self.related = select_related
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.queryset.model.objects.filter(**self.only).select_related(*self.related)


# For output ModelSerializers whose fields depend on nothing but their class. DRF derives a
# ModelSerializer's fields from the model's metadata again for every instance: about 1.5 ms
# per response for a ticket and its nested serializers. Here they are derived once per class,
# and each instance gets a copy, as a plain ``Serializer`` gets a copy of its declared fields.
# (A comment, not a docstring: drf-spectacular would publish it for every subclass.)
class FieldsOnceModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        if "_fields_once" not in cls.__dict__:  # each subclass derives its own
            cls._fields_once = super().get_fields()
        return copy.deepcopy(cls._fields_once)


# For input serializers. DRF deep-copies each declared field for every instance, which runs the
# field's __init__ again (validators, choice maps, a related field's queryset): about 0.3 ms of
# a ticket creation. A field keeps no state of its own while it validates, so a shallow copy
# bound to the instance serves as well; a list field's child is copied and bound to the new
# list field. Nested serializers and many-related fields are deep-copied as before.
class ShallowFieldsSerializer(serializers.Serializer):
    def get_fields(self):
        return {name: _field_copy(field) for name, field in self._declared_fields.items()}


def _field_copy(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.BaseSerializer | serializers.ManyRelatedField):
        return copy.deepcopy(field)
    clone = copy.copy(field)
    if isinstance(field, serializers.ListField | serializers.DictField):
        clone.child = _field_copy(field.child)
        clone.child.parent = clone  # the rest of bind() came with the copy
    return clone


# DRF's DateTimeField, for the values the shortcut below leaves to it.
_DATETIME_FIELD = serializers.DateTimeField()


def datetime_representation(value: datetime | None, zone: tzinfo) -> str | None:
    """What DRF's ``DateTimeField`` outputs, for representations built without field objects:
    ISO 8601 in ``zone`` (pass ``timezone.get_current_timezone()``), ``Z`` for UTC. A naive
    value, a string or another ``DATETIME_FORMAT`` setting goes through DRF itself."""
    if value is None:
        return None
    if (
        type(value) is not datetime
        or value.tzinfo is None
        or api_settings.DATETIME_FORMAT != ISO_8601
    ):
        return _DATETIME_FIELD.to_representation(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def validated(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """The input serializer's validated data, or a 400 naming each bad field."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def validated_query(serializer_class: type[serializers.Serializer], params) -> dict:
    """``validated`` for query parameters. DRF reads ``?start=`` (a blank value of an optional
    field) as absent, as HTML forms need; an API parameter the schema types as a date or a
    number is a 400 when blank instead."""
    fields = serializer_class().fields
    blank = {
        name: [_("Give a value or leave the parameter out.")]
        for name, field in fields.items()
        if "" in params.getlist(name) and not getattr(field, "allow_blank", False)
    }
    if blank:
        raise exceptions.ValidationError(blank)
    return validated(serializer_class, params)


class StableCursorPagination(CursorPagination):
    """Cursor pages: no ``COUNT(*)``, and rows inserted meanwhile cause no duplicate or skip.

    The first ordering field is the cursor's position, so it must not change after the row is
    written (``created_at``, ``number``, ``pk``); the view's ordering adds ``pk`` for ties.
    """

    ordering = ("-created_at", "-pk")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """A positive number, capped at 100; anything else is a 400 naming ``page_size``
        rather than a silent 25."""
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give a positive number (at most 100 are used).")]}
            )
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Rows per page, at most {self.max_page_size}."
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            # A tampered position would otherwise reach the database as a bad literal (500).
            name = self.ordering[0].lstrip("-")
            meta = self._model._meta
            field = meta.pk if name == "pk" else meta.get_field(name)
            try:
                value = field.to_python(cursor.position)
            except DjangoValidationError:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
            if isinstance(value, datetime) and timezone.is_naive(value):
                raise exceptions.NotFound(self.invalid_cursor_message)  # we write aware ones
        return cursor


class PkCursorPagination(StableCursorPagination):
    """Oldest first by primary key: threads, audit trails, reference lists."""

    ordering = ("pk",)


class TextField(serializers.CharField):
    """A ``CharField`` that takes only JSON strings, as the schema says: DRF's turns a number
    (``0``, ``1.5``) into text, so ``"tags": [0]`` would pass as the tag "0"."""

    default_error_messages = {"not_text": _("Give text (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class StrictFilterSet(FilterSet):
    """A filter sent with an empty value is a 400 naming it, as any other value that does not
    fit its type, rather than silently ignored (the schema says what each one takes)."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            values = self.data.getlist(name)
            if "" in values:
                self.form.add_error(name, _("Give a value or leave the parameter out."))
                valid = False
            elif isinstance(declared, BooleanFilter) and set(values) - {"true", "false"}:
                self.form.add_error(name, _("Give true or false."))
                valid = False
        return valid


class SentFiltersBackend(DjangoFilterBackend):
    """django-filter's backend, left out when no query parameter names one of the filters (or
    starts like one, as ``…_min`` of a range does): a filter set without values filters
    nothing, and building its form of a dozen fields to find that out cost ~1 ms a page."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        names = () if filterset_class is None else tuple(filterset_class.base_filters)
        if not any(key.startswith(names) for key in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` limited to the view's ``ordering_fields``, with ``pk`` appended so rows
    with equal values keep one order from page to page."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and ordering[-1].lstrip("-") not in ("pk", "id"):
            ordering = [*ordering, "-pk" if ordering[0].startswith("-") else "pk"]
        return ordering


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) of at most 255 characters. A retry with the same key and "
        "body within 24 hours returns the first response with `Idempotent-Replayed: true` "
        "instead of creating again; the same key with another body is a 422."
    ),
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


class IdempotencyKeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed; retry.")
    default_code = "idempotency_key_in_flight"


def idempotent(request, create: Callable[[], Response]) -> Response:
    """Answer a POST once per ``Idempotency-Key`` (see ``helpdesk.idempotency``)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create()
    key = key.strip()
    if not key or len(key) > idempotency.MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("Send a key of 1 to 255 characters.")]}
        )

    def produce() -> tuple[int, object]:
        response = create()
        return response.status_code, response.data

    fingerprint = idempotency.request_fingerprint(
        method=request.method, path=request.path, data=request.data
    )
    try:
        outcome = idempotency.idempotent_call(
            tenant=request._request.tenant, key=key, fingerprint=fingerprint, produce=produce
        )
    except idempotency.KeyReusedError:
        detail = {"Idempotency-Key": [IdempotencyKeyReused.default_detail]}
        raise IdempotencyKeyReused(detail) from None
    except idempotency.KeyInFlightError:
        detail = {"Idempotency-Key": [IdempotencyKeyInFlight.default_detail]}
        raise IdempotencyKeyInFlight(detail) from None
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(outcome.body, status=outcome.status, headers=headers)


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
    lead_email = serializers.EmailField(
        source="lead.user.email", default=None, read_only=True, allow_null=True
    )

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


class PingSerializer(serializers.Serializer):
    pong = serializers.BooleanField()


class PingView(TenantAPIView):
    """The cheapest authenticated endpoint: proves the token and the tenant, reads nothing.
    Integrations use it as a health check; the API benchmark as its baseline."""

    @extend_schema(
        responses={200: PingSerializer},
        summary='Check the credentials: answers {"pong": true}',
    )
    def get(self, request):
        return Response({"pong": True})
