"""API of tickets: tickets by their per-tenant number, their thread and audit trail; categories.

Thin: input serializers parse, ``tickets.selectors`` read (and authorize: another tenant's or an
invisible ticket is a 404), ``tickets.services`` write. A service's ``ValidationError`` becomes a
400 naming the field (``helpdesk.platform.api_errors``).
"""

from collections.abc import Callable
from datetime import tzinfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from customers.api import CustomerRefSerializer, customer_ref_representation
from customers.models import Customer
from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    MAX_ID,
    BoundedJSONParser,
    FieldsOnceModelSerializer,
    PkCursorPagination,
    SentFiltersBackend,
    ShallowFieldsSerializer,
    StableCursorPagination,
    StableOrderingFilter,
    StrictFilterSet,
    TenantAPIView,
    TenantPrimaryKeyField,
    TenantViewSetMixin,
    TextField,
    datetime_representation,
    id_from_path,
    idempotent,
    request_member,
    validated,
)
from helpdesk.models import Membership, Team
from helpdesk.platform.api_errors import (
    IDEMPOTENT_CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    validation_detail,
)
from helpdesk.platform.api_filters import IntegerFilter, UtcIsoDateTimeFilter
from helpdesk.platform.limits import TEXT_MAX_LENGTH
from products.api import UnitField, UnitRefSerializer, unit_ref_representation
from tickets import selectors, services
from tickets.directory import Directory, directory_for
from tickets.intake import Requester, ticket_intake
from tickets.models import (
    Category,
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

MAX_TEXT = TEXT_MAX_LENGTH

# --- output ----------------------------------------------------------------------------------


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberRefSerializer(FieldsOnceModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.__str__")

    class Meta:
        model = Membership
        fields = ["id", "email", "name"]


class TagNamesField(serializers.ListField):
    """A ticket's tag names, from the list ``tickets.selectors`` loads as ``tag_list``."""

    child = serializers.CharField()

    def to_representation(self, data):
        return [tag.name for tag in data]


class TicketSerializer(FieldsOnceModelSerializer):
    customer = CustomerRefSerializer()
    unit = UnitRefSerializer(allow_null=True, help_text=_("The unit the ticket is about."))
    category = NamedRefSerializer(allow_null=True)
    team = NamedRefSerializer(allow_null=True)
    assignee = MemberRefSerializer(allow_null=True)
    tags = TagNamesField(source="tag_list", read_only=True)
    merged_into = serializers.IntegerField(
        source="merged_into.number",
        allow_null=True,
        default=None,
        help_text=_("Number of the ticket this one was merged into."),
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "channel",
            "customer",
            "unit",
            "category",
            "team",
            "assignee",
            "tags",
            "product_model",
            "fault_symptom",
            "merged_into",
            "created_at",
            "updated_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "reopened_count",
            "expected_handled_by",
        ]

    # The declared fields are the documented shape (OpenAPI); the output is built straight
    # from the loaded ticket (ticket_representation): field by field, DRF spent most of a
    # list page's time here. tests/api/test_ticket_representation.py holds the two equal.
    def to_representation(self, instance):
        directory = self.context.get("directory")
        return ticket_representation(instance, timezone.get_current_timezone(), directory)


class TicketDetailSerializer(TicketSerializer):
    """One ticket: the list's fields; apps above add theirs (``sla.api``: escalations)."""

    def to_representation(self, instance):
        return ticket_representation(instance, timezone.get_current_timezone())


def ticket_representation(ticket: Ticket, zone: tzinfo, directory: Directory | None = None) -> dict:
    """``TicketSerializer``'s output; ``zone``: the active time zone; ``directory``: the
    tenant's, to name the team and assignee from. Precondition: the ticket comes from
    ``tickets.selectors`` (``tag_list`` set, relations loaded: any that is not costs a query,
    as it would field by field; the team and assignee need not be when the directory has
    them)."""
    merged_into = ticket.merged_into
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "description": ticket.description,
        "status": str(ticket.status),
        "priority": str(ticket.priority),
        "channel": str(ticket.channel),
        "customer": customer_ref_representation(ticket.customer),
        "unit": unit_ref_representation(ticket.unit),
        "category": _named_ref(ticket.category),
        "team": _team_ref(ticket, directory),
        "assignee": _assignee_ref(ticket, directory),
        "tags": [tag.name for tag in ticket.tag_list],
        "product_model": ticket.product_model,
        "fault_symptom": ticket.fault_symptom,
        "merged_into": None if merged_into is None else merged_into.number,
        "created_at": datetime_representation(ticket.created_at, zone),
        "updated_at": datetime_representation(ticket.updated_at, zone),
        "first_responded_at": datetime_representation(ticket.first_responded_at, zone),
        "resolved_at": datetime_representation(ticket.resolved_at, zone),
        "closed_at": datetime_representation(ticket.closed_at, zone),
        "reopened_count": ticket.reopened_count,
        "expected_handled_by": datetime_representation(ticket.expected_handled_by, zone),
    }


def _team_ref(ticket: Ticket, directory: Directory | None) -> dict | None:
    name = None if directory is None else directory.team_names.get(ticket.team_id)
    if name is None:
        return _named_ref(ticket.team)
    return {"id": ticket.team_id, "name": name}


def _assignee_ref(ticket: Ticket, directory: Directory | None) -> dict | None:
    ref = None if directory is None else directory.member_ref(ticket.assignee_id)
    return _member_ref(ticket.assignee) if ref is None else ref


def _named_ref(row: Category | Team | None) -> dict | None:
    """``NamedRefSerializer``'s output."""
    return None if row is None else {"id": row.id, "name": row.name}


def _member_ref(member: Membership | None) -> dict | None:
    """``MemberRefSerializer``'s output."""
    if member is None:
        return None
    user = member.user
    return {"id": member.id, "email": user.email, "name": str(user)}


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()


class MessageSerializer(serializers.ModelSerializer):
    author_member = MemberRefSerializer(allow_null=True)
    author_customer = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    author_name = serializers.CharField()
    attachments = AttachmentSerializer(many=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "body",
            "is_system",
            "author_member",
            "author_customer",
            "author_name",
            "attachments",
            "created_at",
        ]


class TicketEventSerializer(serializers.ModelSerializer):
    actor = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Membership id; null for the system.")
    )

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "action",
            "field",
            "old_value",
            "new_value",
            "actor",
            "actor_label",
            "data",
            "created_at",
        ]


class CategorySerializer(serializers.ModelSerializer):
    team = NamedRefSerializer(allow_null=True)
    required_skill = NamedRefSerializer(allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "name", "team", "required_skill", "is_complaint"]


# --- input -----------------------------------------------------------------------------------


def _tags_field() -> serializers.ListField:
    return serializers.ListField(child=TextField(max_length=50), max_length=20, required=False)


def _attachments_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        max_length=10,
        required=False,
        help_text=_("Files, sent as multipart/form-data."),
    )


class TicketCreateSerializer(ShallowFieldsSerializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, default=""
    )
    customer = TenantPrimaryKeyField(
        Customer,
        select_related=("tier",),  # routing, escalation rules and the SLA policy read it
        required=False,
        help_text=_("An existing customer; or give customer_email."),
    )
    customer_email = serializers.EmailField(
        required=False,
        help_text=_("Finds the customer by e-mail address, or creates one in this tenant."),
    )
    customer_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Name of a customer created from customer_email."),
    )
    unit = UnitField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The unit the ticket is about: its id (a number) or serial number (a string). "
            "Without customer or customer_email, the unit's owner is the customer."
        ),
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = TenantPrimaryKeyField(Category, required=False, allow_null=True, default=None)
    product_model = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    fault_symptom = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, default=""
    )
    tags = _tags_field()
    attachments = _attachments_field()

    def validate(self, attrs):
        if "customer" in attrs and "customer_email" in attrs:
            raise serializers.ValidationError(
                {"customer": [_("Give either customer (an id) or customer_email.")]}
            )
        if not ("customer" in attrs or "customer_email" in attrs or attrs.get("unit")):
            raise serializers.ValidationError(
                {"customer": [_("Give customer (an id), customer_email or a unit.")]}
            )
        return attrs


class TicketUpdateSerializer(ShallowFieldsSerializer):
    """Only the fields sent are changed, each through its own service, in one transaction."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = TenantPrimaryKeyField(Category, required=False, allow_null=True)
    unit = UnitField(
        required=False,
        allow_null=True,
        help_text=_("The unit the ticket is about, by id or serial number; null: none."),
    )
    team = TenantPrimaryKeyField(Team, required=False, allow_null=True)
    assignee = TenantPrimaryKeyField(
        Membership,
        only={"is_active": True},
        required=False,
        allow_null=True,
        help_text=_("Membership id of an active member; null unassigns."),
    )
    tags = _tags_field()


class MessageCreateSerializer(ShallowFieldsSerializer):
    body = serializers.CharField(max_length=MAX_TEXT)
    kind = serializers.ChoiceField(
        choices=MessageKind.choices,
        default=MessageKind.PUBLIC,
        help_text=_("public: a reply the customer sees; internal: a note for the desk only."),
    )
    attachments = _attachments_field()


class TicketFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    assignee = IntegerFilter(
        field_name="assignee_id", min_value=1, max_value=MAX_ID, label=_("Assignee (member id)")
    )
    unassigned = filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    team = IntegerFilter(field_name="team_id", min_value=1, max_value=MAX_ID)
    category = IntegerFilter(field_name="category_id", min_value=1, max_value=MAX_ID)
    customer = IntegerFilter(field_name="customer_id", min_value=1, max_value=MAX_ID)
    tier = IntegerFilter(
        field_name="customer__tier_id", min_value=1, max_value=MAX_ID, label=_("Customer tier id")
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields: list[str] = []


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def ticket_create_from_api(*, request, data: dict) -> Ticket:
    """A known customer by id, or one found or created from name and address, or the named
    unit's owner."""
    tenant, member = request._request.tenant, request._request.membership
    requester = data.get("customer")
    if requester is None and data.get("customer_email"):
        requester = Requester(name=data["customer_name"], email=data["customer_email"])
    return ticket_intake(
        tenant=tenant,
        actor=member,
        requester=requester,
        unit=data.get("unit"),
        subject=data["subject"],
        description=data["description"],
        priority=data["priority"],
        channel=data["channel"],
        category=data["category"],
        product_model=data["product_model"],
        fault_symptom=data["fault_symptom"],
        tags=data.get("tags"),
        attachments=data.get("attachments"),
    )


def _change_status(ticket, member, value):
    services.ticket_change_status(ticket=ticket, actor=member, status=value)


def _change_priority(ticket, member, value):
    services.ticket_change_priority(ticket=ticket, actor=member, priority=value)


def _change_category(ticket, member, value):
    services.ticket_change_category(ticket=ticket, actor=member, category=value)


def _change_unit(ticket, member, value):
    services.ticket_change_unit(ticket=ticket, actor=member, unit=value)


def _change_team(ticket, member, value):
    services.ticket_change_team(ticket=ticket, actor=member, team=value)


def _change_assignee(ticket, member, value):
    services.ticket_assign(ticket=ticket, actor=member, assignee=value)


def _change_tags(ticket, member, value):
    services.ticket_set_tags(ticket=ticket, actor=member, names=value)


# Applied in this order; status last, so a PATCH that also closes the ticket records the
# other changes first.
FIELD_SERVICES: dict[str, Callable[[Ticket, Membership, object], None]] = {
    "priority": _change_priority,
    "category": _change_category,
    "unit": _change_unit,
    "team": _change_team,
    "assignee": _change_assignee,
    "tags": _change_tags,
    "status": _change_status,
}


@transaction.atomic
def ticket_update_from_api(*, ticket: Ticket, member: Membership, data: dict) -> Ticket:
    """All the sent fields or none: the first refused change rolls back the others."""
    for field, change in FIELD_SERVICES.items():
        if field in data:
            try:
                change(ticket, member, data[field])
            except DjangoValidationError as error:
                raise exceptions.ValidationError(validation_detail(error, field=field)) from None
    return ticket


def ticket_reply_from_api(*, ticket: Ticket, member: Membership, data: dict) -> Message:
    try:
        return services.ticket_reply(
            ticket=ticket,
            actor=member,
            body=data["body"],
            internal=data["kind"] == MessageKind.INTERNAL,
            attachments=data.get("attachments"),
        )
    except services.TransitionError as error:
        raise exceptions.ValidationError(validation_detail(error, field="status")) from None


# --- views -----------------------------------------------------------------------------------

CREATE_EXAMPLES = [
    OpenApiExample(
        "New customer by e-mail",
        request_only=True,
        value={
            "subject": "Washing machine leaks",
            "description": "Water under the machine after every wash.",
            "customer_email": "li.lei@example.com",
            "customer_name": "Li Lei",
            "priority": "high",
            "category": 3,
            "product_model": "WM-800",
            "tags": ["leak"],
        },
    ),
    OpenApiExample(
        "Existing customer by id",
        request_only=True,
        value={"subject": "Dryer is noisy", "customer": 42},
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="Tickets visible to you, newest first (cursor pages)",
        description="Filter with the query parameters below; `ordering` accepts `created_at`, "
        "`-created_at`, `number` and `-number`. Follow `next` for the next page: rows "
        "created meanwhile are neither repeated nor skipped.",
    ),
    retrieve=extend_schema(
        summary="One ticket, by its per-tenant number",
        responses={200: TicketDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create a ticket",
        description="The customer is given by id (`customer`) or by e-mail (`customer_email`, "
        "optional `customer_name`): a new address creates the customer in this tenant. The "
        "ticket is numbered, routed and gets its SLA deadlines. Attachments need "
        "multipart/form-data.",
        request={
            "application/json": TicketCreateSerializer,
            "multipart/form-data": TicketCreateSerializer,
        },
        responses={201: TicketDetailSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change status, priority, category, unit, team, assignee or tags",
        description="Each sent field goes through its own audited change; a status change "
        "the lifecycle does not allow is a 400 naming `status`, and then nothing is changed.",
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample("Resolve", request_only=True, value={"status": "resolved"}),
            OpenApiExample(
                "Reassign", request_only=True, value={"assignee": 7, "priority": "urgent"}
            ),
        ],
    ),
)
class TicketViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    """``/api/v1/tickets/``. The endpoint the router serves is ``sla.api.TicketViewSet``,
    which adds each ticket's SLA through the two serializer attributes and the filter set."""

    model = Ticket
    serializer_class = TicketSerializer
    detail_serializer_class = TicketDetailSerializer
    lookup_field = "number"
    pagination_class = StableCursorPagination
    filter_backends = [SentFiltersBackend, StableOrderingFilter]
    filterset_class = TicketFilter
    ordering_fields = ["created_at", "number"]
    ordering = ["-created_at"]
    parser_classes = [BoundedJSONParser, MultiPartParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return selectors.tickets_for_api(member=request_member(self.request))

    def _ticket(self, number: str) -> Ticket:
        return selectors.ticket_get_for_api(
            member=request_member(self.request), number=id_from_path(number)
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        directory = directory_for(request._request.tenant)
        page = selectors.tickets_complete_for_api(tickets=page, directory=directory)
        serializer = self.serializer_class(page, many=True, context={"directory": directory})
        data = serializer.data
        return self.get_paginated_response(data)

    def retrieve(self, request, number: str):
        return Response(self.detail_serializer_class(self._ticket(number)).data)

    def create(self, request):
        def create() -> Response:
            data = validated(TicketCreateSerializer, request.data)
            ticket = ticket_create_from_api(request=request, data=data)
            ticket = selectors.ticket_complete_for_api(ticket=ticket)
            return Response(
                self.detail_serializer_class(ticket).data, status=status.HTTP_201_CREATED
            )

        return idempotent(request, create)

    def partial_update(self, request, number: str):
        ticket = self._ticket(number)
        data = validated(TicketUpdateSerializer, request.data)
        ticket_update_from_api(ticket=ticket, member=request_member(request), data=data)
        ticket = selectors.ticket_reload_for_api(ticket=ticket)
        return Response(self.detail_serializer_class(ticket).data)

    @extend_schema(
        methods=["GET"],
        summary="The ticket's thread: public replies and internal notes, oldest first",
        responses={200: MessageSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Post a public reply or an internal note",
        description="A public reply is the first response if there was none (SLA) and opens "
        "a new ticket; an internal note changes nothing the customer sees. A closed ticket "
        "refuses both (400 naming `status`).",
        request={
            "application/json": MessageCreateSerializer,
            "multipart/form-data": MessageCreateSerializer,
        },
        responses={201: MessageSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Reply",
                request_only=True,
                value={"body": "A technician will call you today.", "kind": "public"},
            ),
            OpenApiExample(
                "Internal note",
                request_only=True,
                value={"body": "Spare part ordered.", "kind": "internal"},
            ),
        ],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=PkCursorPagination,
        filter_backends=[],
    )
    def messages(self, request, number: str):
        ticket = self._ticket(number)
        if request.method == "POST":
            return idempotent(request, lambda: self._post_message(request, ticket))
        page = self.paginate_queryset(selectors.ticket_messages_for_api(ticket=ticket))
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    def _post_message(self, request, ticket: Ticket) -> Response:
        data = validated(MessageCreateSerializer, request.data)
        message = ticket_reply_from_api(ticket=ticket, member=request_member(request), data=data)
        message = selectors.ticket_messages_for_api(ticket=ticket).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The ticket's audit trail, oldest first (cursor pages)",
        responses={200: TicketEventSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=PkCursorPagination, filter_backends=[])
    def events(self, request, number: str):
        ticket = self._ticket(number)
        page = self.paginate_queryset(selectors.ticket_events_for_api(ticket=ticket))
        return self.get_paginated_response(TicketEventSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Ticket categories (nature and type of a request)"),
    retrieve=extend_schema(
        summary="One category", responses={200: CategorySerializer, **READ_ERRORS}
    ),
)
class CategoryViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet, TenantAPIView):
    model = Category
    serializer_class = CategorySerializer

    def scoped_queryset(self):
        return Category.objects.select_related("team", "required_skill").order_by("name")


# (prefix, viewset, basename) for the router in ``config.urls``. ``tickets/`` is served by
# ``sla.api.TicketViewSet``: this one with each ticket's SLA.
api_routes = [
    ("categories", CategoryViewSet, "category"),
]
