"""API of surveys: the customers' answers (read) and follow-up calls (list, schedule, record).

Thin, like the HTML pages: ``surveys.selectors`` read and authorize (only rows of tickets the
member may open; anything else is a 404), ``surveys.services`` write. Who may do what mirrors
the pages: every member who may open a ticket sees its answers and follow-ups, schedules one and
records one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from helpdesk.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    MAX_ID,
    StableCursorPagination,
    StrictFilterSet,
    TenantAPIView,
    TenantPrimaryKeyField,
    TenantViewSetMixin,
    id_from_path,
    idempotent,
    request_member,
    validated,
)
from helpdesk.models import Membership
from helpdesk.platform.api_errors import IDEMPOTENT_CREATE_ERRORS, READ_ERRORS, validation_detail
from helpdesk.platform.api_filters import IntegerFilter, UtcIsoDateTimeFilter
from tickets.api import MemberRefSerializer
from tickets.models import Ticket
from tickets.selectors import ticket_get_for_member

from . import selectors, services
from .models import (
    FollowUp,
    FollowUpChannel,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    SurveyResponse,
)

MAX_NOTES = 2000


# --- survey responses --------------------------------------------------------------------------


class SurveyResponseSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket.number", help_text=_("The ticket's number."))
    customer = serializers.IntegerField(
        source="invitation.customer_id", help_text=_("Id of the customer who answered.")
    )
    cycle = serializers.IntegerField(
        source="invitation.cycle",
        help_text=_("Which resolution of the ticket was surveyed: 0 the first, 1 after a reopen…"),
    )
    agent = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("Membership id of the ticket's assignee when the customer answered."),
    )
    team = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The ticket's team when answered.")
    )
    tier = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The customer's tier when answered.")
    )
    is_satisfied = serializers.BooleanField(
        help_text=_("Overall 4 or 5 and the problem not reported unsolved.")
    )
    is_bad = serializers.BooleanField(
        help_text=_(
            "Overall 1 or 2, NPS 0–6 or the problem unsolved: opens a follow-up call and "
            "the improvement deadline."
        )
    )
    answered_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "ticket",
            "customer",
            "cycle",
            "overall",
            "response_speed",
            "resolution",
            "professionalism",
            "product",
            "nps",
            "comment",
            "not_solved",
            "is_satisfied",
            "is_bad",
            "agent",
            "team",
            "tier",
            "answered_at",
            "edited_at",
        ]
        extra_kwargs = {
            "overall": {"help_text": _("Overall satisfaction, 1 (very dissatisfied) to 5.")},
            "nps": {"help_text": _("Likelihood to recommend, 0 to 10; null if not answered.")},
            "not_solved": {"help_text": _("The customer said the problem is not solved.")},
            "edited_at": {"help_text": _("Set when the customer changed the answer.")},
        }


class SurveyResponseFilter(StrictFilterSet):
    ticket = IntegerFilter(
        field_name="ticket__number", min_value=1, max_value=MAX_ID, label=_("Ticket number")
    )
    customer = IntegerFilter(
        field_name="invitation__customer_id", min_value=1, max_value=MAX_ID, label=_("Customer id")
    )
    agent = IntegerFilter(
        field_name="agent_id", min_value=1, max_value=MAX_ID, label=_("Agent (member id)")
    )
    team = IntegerFilter(field_name="team_id", min_value=1, max_value=MAX_ID)
    overall_min = IntegerFilter(field_name="overall", lookup_expr="gte", min_value=1, max_value=5)
    overall_max = IntegerFilter(field_name="overall", lookup_expr="lte", min_value=1, max_value=5)
    nps_min = IntegerFilter(field_name="nps", lookup_expr="gte", min_value=0, max_value=10)
    nps_max = IntegerFilter(field_name="nps", lookup_expr="lte", min_value=0, max_value=10)
    not_solved = filters.BooleanFilter()
    answered_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    answered_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SurveyResponse
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Satisfaction survey answers, newest first (cursor pages)",
        description="Answers on the tickets you may open. `answered_after` / `answered_before` "
        "take ISO 8601 times with their offset; the score filters are inclusive.",
    ),
    retrieve=extend_schema(
        summary="One survey answer", responses={200: SurveyResponseSerializer, **READ_ERRORS}
    ),
)
class SurveyResponseViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = SurveyResponse
    serializer_class = SurveyResponseSerializer
    pagination_class = StableCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = SurveyResponseFilter

    def scoped_queryset(self):
        return selectors.survey_responses_for_api(member=request_member(self.request))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SurveyResponseSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        found = selectors.survey_response_get_for_api(
            member=request_member(request), pk=id_from_path(pk)
        )
        return Response(SurveyResponseSerializer(found).data)


# --- follow-ups --------------------------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket.number", help_text=_("The ticket's number."))
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    survey_response = serializers.PrimaryKeyRelatedField(
        source="response",
        read_only=True,
        allow_null=True,
        help_text=_("The bad survey answer this follow-up answers, if any."),
    )
    assignee = MemberRefSerializer(allow_null=True)
    created_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Membership id; null when automatic.")
    )
    done_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Membership id of who recorded it.")
    )
    colour = serializers.ChoiceField(
        choices=["green", "amber", "red", "met", "none"],
        read_only=True,
        help_text=_(
            "Like SLA targets: green, amber (three quarters of the time used), red (overdue); "
            "met once done; none when missed or cancelled."
        ),
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "ticket",
            "customer",
            "survey_response",
            "kind",
            "channel",
            "status",
            "colour",
            "assignee",
            "due_at",
            "outcome",
            "notes",
            "created_by",
            "created_at",
            "done_at",
            "done_by",
            "escalated_at",
        ]
        extra_kwargs = {
            "escalated_at": {"help_text": _("When the overdue follow-up went to the team lead.")}
        }


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its offset: a bare local time would be read in the server's zone,
    hours away from the tenant's, without anyone noticing."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-11-23T10:00:00+08:00.")
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class FollowUpCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("Number of a ticket you may open.")
    )
    due_at = AwareDateTimeField(help_text=_("When the call is due; in the future."))
    assignee = TenantPrimaryKeyField(
        Membership,
        only={"is_active": True},
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Membership id of who calls; null leaves it unassigned."),
    )
    channel = serializers.ChoiceField(
        choices=FollowUpChannel.choices, default=FollowUpChannel.PHONE
    )
    notes = serializers.CharField(
        max_length=MAX_NOTES, required=False, allow_blank=True, default=""
    )


class FollowUpCompleteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(value, FollowUpStatus(value).label) for value in services.LOGGABLE],
        default=FollowUpStatus.DONE,
        help_text=_("done (the default), missed (customer not reached) or cancelled."),
    )
    outcome = serializers.ChoiceField(
        choices=FollowUpOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "What came of it. Left out on done: improvement_sent for an improvement "
            "deadline, other for a call."
        ),
    )
    notes = serializers.CharField(
        max_length=MAX_NOTES, required=False, allow_blank=True, default=""
    )


class FollowUpFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=FollowUpStatus.choices)
    kind = filters.MultipleChoiceFilter(choices=FollowUpKind.choices)
    channel = filters.MultipleChoiceFilter(choices=FollowUpChannel.choices)
    ticket = IntegerFilter(
        field_name="ticket__number", min_value=1, max_value=MAX_ID, label=_("Ticket number")
    )
    assignee = IntegerFilter(
        field_name="assignee_id", min_value=1, max_value=MAX_ID, label=_("Assignee (member id)")
    )
    unassigned = filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    due_after = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = FollowUp
        fields: list[str] = []


class DueCursorPagination(StableCursorPagination):
    """Soonest due first; ``due_at`` is never changed after a follow-up is scheduled."""

    ordering = ("due_at", "pk")


def _ticket_for_follow_up(member: Membership, number: int) -> Ticket:
    """The ticket named in the body; one the member may not open is an unknown number."""
    try:
        return ticket_get_for_member(member=member, number=number)
    except Http404:
        raise exceptions.ValidationError(
            {"ticket": [_("There is no ticket with this number.")]}
        ) from None


def follow_up_schedule_from_api(*, member: Membership, data: dict) -> FollowUp:
    ticket = _ticket_for_follow_up(member, data["ticket"])
    return services.follow_up_schedule(
        ticket=ticket,
        actor=member,
        assignee=data["assignee"],
        due_at=data["due_at"],
        channel=data["channel"],
        notes=data["notes"],
    )


def follow_up_complete_from_api(*, follow_up: FollowUp, member: Membership, data: dict) -> None:
    try:
        services.follow_up_log(follow_up=follow_up, actor=member, **data)
    except DjangoValidationError as error:
        # "Already recorded" concerns the follow-up's status; field errors keep their field.
        raise exceptions.ValidationError(validation_detail(error, field="status")) from None


@extend_schema_view(
    list=extend_schema(
        summary="Follow-up calls (回访), soonest due first (cursor pages)",
        description="Follow-ups of the tickets you may open: calls after resolution by tier, "
        "calls and improvement deadlines after a bad survey, and those scheduled by hand. "
        "`due_after` / `due_before` take ISO 8601 times with their offset; "
        "`status=pending&due_before=<now>` lists the overdue ones.",
    ),
    retrieve=extend_schema(
        summary="One follow-up", responses={200: FollowUpSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Schedule a follow-up on a ticket",
        description="Any ticket you may open. The assignee, if another member, is notified. A "
        "ticket you may not open is a 400 naming `ticket`; a due time in the past one naming "
        "`due_at`.",
        request=FollowUpCreateSerializer,
        responses={201: FollowUpSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Call tomorrow",
                request_only=True,
                value={
                    "ticket": 1042,
                    "due_at": "2026-11-24T10:00:00+08:00",
                    "assignee": 7,
                    "channel": "phone",
                    "notes": "Ask whether the new pump is quiet.",
                },
            )
        ],
    ),
)
class FollowUpViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = FollowUp
    serializer_class = FollowUpSerializer
    pagination_class = DueCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = FollowUpFilter

    def scoped_queryset(self):
        return selectors.follow_ups_for_api(member=request_member(self.request))

    def _follow_up(self, pk: str) -> FollowUp:
        return selectors.follow_up_get_for_api(
            member=request_member(self.request), pk=id_from_path(pk)
        )

    def _reloaded(self, follow_up: FollowUp) -> FollowUp:
        return selectors.follow_ups_for_api(member=request_member(self.request)).get(
            pk=follow_up.pk
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(FollowUpSerializer(page, many=True).data)

    def retrieve(self, request, pk: str):
        return Response(FollowUpSerializer(self._follow_up(pk)).data)

    def create(self, request):
        def create() -> Response:
            data = validated(FollowUpCreateSerializer, request.data)
            follow_up = follow_up_schedule_from_api(member=request_member(request), data=data)
            body = FollowUpSerializer(self._reloaded(follow_up)).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent(request, create)

    @extend_schema(
        summary="Record a follow-up: done, missed or cancelled",
        description="Records the outcome and notes once: a follow-up already recorded (by you "
        "or a colleague) is a 400 naming `status`, and the first record stands.",
        request=FollowUpCompleteSerializer,
        responses={200: FollowUpSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[
            OpenApiExample(
                "Customer satisfied",
                request_only=True,
                value={"outcome": "satisfied", "notes": "Works fine since the repair."},
            ),
            OpenApiExample("Not reached", request_only=True, value={"status": "missed"}),
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def complete(self, request, pk: str):
        follow_up = self._follow_up(pk)

        def complete() -> Response:
            data = validated(FollowUpCompleteSerializer, request.data)
            follow_up_complete_from_api(
                follow_up=follow_up, member=request_member(request), data=data
            )
            return Response(FollowUpSerializer(self._reloaded(follow_up)).data)

        return idempotent(request, complete)


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [
    ("survey-responses", SurveyResponseViewSet, "survey-response"),
    ("follow-ups", FollowUpViewSet, "follow-up"),
]
