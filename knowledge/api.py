"""API of the knowledge base (知识库): articles — list and search, read, write, archive.

The rules are the agent pages' (``knowledge.views``), enforced by ``knowledge.services``:
every member reads every article of the tenant, drafts and internal ones included (members
write them); every member writes drafts; a member edits their own drafts; knowledge authors
and managers edit everything and publish, archive or take back to draft. A refused change of a
visible article is a 403; another tenant's article is a 404. Customers read published, public
articles in the portal (``knowledge.views_public``), never through this API.
"""

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
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
    validated_query,
)
from helpdesk.models import Membership
from helpdesk.platform.api_errors import (
    DETAIL_SCHEMA,
    IDEMPOTENT_CREATE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
)
from helpdesk.platform.api_filters import IntegerFilter
from tickets.api import MemberRefSerializer, NamedRefSerializer
from tickets.rendering import render_body

from . import search, selectors, services
from .models import Article, ArticleStatus, KnowledgeCategory, Language, Visibility

MAX_BODY = 100_000
MAX_TAGS_CHARS = 300  # Article.tags, stored comma-separated
CONTENT_FIELDS = ("title", "body", "summary", "tags", "category", "visibility", "language")

FORBIDDEN = OpenApiResponse(
    response=DETAIL_SCHEMA,
    description="You may read the article but not make this change",
    examples=[
        OpenApiExample(
            "Not a publisher",
            value={"detail": "Only knowledge authors and managers may publish."},
        )
    ],
)


# --- output ------------------------------------------------------------------------------------


class ArticleSerializer(serializers.ModelSerializer):
    category = NamedRefSerializer(allow_null=True)
    author = MemberRefSerializer(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list")
    is_public = serializers.BooleanField(
        help_text=_("Published and public: customers read it in the portal.")
    )
    snippet = serializers.SerializerMethodField(
        help_text=_(
            "With search=: an HTML excerpt around the match, escaped, the matched words in "
            "<mark>. Null otherwise."
        )
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "summary",
            "tags",
            "category",
            "author",
            "status",
            "visibility",
            "language",
            "is_public",
            "snippet",
            "view_count",
            "helpful_count",
            "not_helpful_count",
            "published_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snippet(self, article: Article) -> str | None:
        snippets = self.context.get("snippets") or {}
        found = snippets.get(article.pk)
        return None if found is None else str(found)


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField(help_text=_("The article as written (Markdown)."))
    body_html = serializers.SerializerMethodField(
        help_text=_("The body rendered from Markdown and sanitized, as the pages show it.")
    )

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "body_html"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_body_html(self, article: Article) -> str:
        return str(render_body(article.body))


# --- input -------------------------------------------------------------------------------------


class ArticleWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(
        max_length=MAX_BODY, trim_whitespace=False, help_text=_("Markdown.")
    )
    summary = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, required=False, default=list
    )
    category = TenantPrimaryKeyField(
        KnowledgeCategory,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Knowledge category id."),
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_("public: customers read it once published; internal: members only."),
    )
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        help_text=_("Defaults to the tenant's language."),
    )

    def validate_tags(self, value: list[str]) -> list[str]:
        if len(", ".join(value)) > MAX_TAGS_CHARS:
            raise serializers.ValidationError(
                _("The tags together may be at most %(count)s characters long.")
                % {"count": MAX_TAGS_CHARS}
            )
        return value


class ArticleUpdateSerializer(ArticleWriteSerializer):
    """Read with ``partial=True``: only the fields sent change."""

    status = serializers.ChoiceField(
        choices=ArticleStatus.choices,
        required=False,
        help_text=_("Publish, archive or take back to draft: knowledge authors and managers."),
    )


class ArticleSearchParamsSerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text=_(
            "Words to find in the title, tags, summary and body (Chinese without spaces is "
            "fine). The best matches come first, at most page_size of them, on one page."
        ),
    )


class ArticleFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=ArticleStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    language = filters.ChoiceFilter(choices=Language.choices)
    category = IntegerFilter(field_name="category_id", min_value=1, max_value=MAX_ID)
    author = IntegerFilter(
        field_name="author_id", min_value=1, max_value=MAX_ID, label=_("Author (member id)")
    )

    class Meta:
        model = Article
        fields: list[str] = []


# --- writes ------------------------------------------------------------------------------------


def _fields(data: dict, *, current: Article | None = None) -> services.ArticleFields:
    """The service's fields: the sent values over the article's current ones."""
    values = {}
    if current is not None:
        values = {name: getattr(current, name) for name in CONTENT_FIELDS}
    sent = {name: data[name] for name in CONTENT_FIELDS if name in data}
    if "tags" in sent:
        sent["tags"] = ", ".join(sent["tags"])
    return services.ArticleFields(**{**values, **sent})


def article_create_from_api(*, request, data: dict) -> Article:
    tenant = request._request.tenant
    data.setdefault("language", _tenant_language(tenant.default_language))
    return services.article_create(
        tenant=tenant, author=request_member(request), fields=_fields(data)
    )


def _tenant_language(language: str) -> str:
    return language if language in Language.values else Language.ZH_HANS


@transaction.atomic
def article_update_from_api(*, article: Article, member: Membership, data: dict) -> Article:
    """The text first, then the status, all or nothing: a member who may edit a draft but not
    publish it changes neither when sending both."""
    if any(name in data for name in CONTENT_FIELDS):
        services.article_update(
            article=article, editor=member, fields=_fields(data, current=article)
        )
    if "status" in data:
        services.article_set_status(article=article, actor=member, status=data["status"])
    return article


# --- views -------------------------------------------------------------------------------------

CREATE_EXAMPLE = OpenApiExample(
    "A draft in Chinese",
    request_only=True,
    value={
        "title": "洗衣机漏水怎么办",
        "summary": "排水管松动是最常见的原因。",
        "body": "1. 关闭电源。\n2. 检查排水管是否松动。",
        "tags": ["洗衣机", "漏水"],
        "category": 3,
        "visibility": "public",
        "language": "zh-hans",
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="Knowledge articles, newest first (cursor pages), or a search",
        description="Every article of the tenant, drafts and internal ones included; filter "
        "with `status`, `visibility` … (`status=published&visibility=public` is what "
        "customers see). With `search`, the best matches of the filtered articles instead, "
        "ranked, each with a `snippet`.",
        parameters=[ArticleSearchParamsSerializer],
    ),
    retrieve=extend_schema(
        summary="One article, with its Markdown body and the rendered HTML",
        responses={200: ArticleDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Write an article (saved as a draft)",
        description="Any member writes drafts; a knowledge author or manager publishes them "
        'with a PATCH `{"status": "published"}`.',
        request=ArticleWriteSerializer,
        responses={201: ArticleDetailSerializer, **IDEMPOTENT_CREATE_ERRORS},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        examples=[CREATE_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Change an article's text, or publish / archive it",
        description="Only the fields sent change; each save is a revision. Knowledge authors "
        "and managers edit any article and change `status`; other members edit their own "
        "drafts only (403 otherwise, and then nothing is changed).",
        request=ArticleUpdateSerializer,
        responses={200: ArticleDetailSerializer, 403: FORBIDDEN, **WRITE_ERRORS},
        examples=[
            OpenApiExample("Publish", request_only=True, value={"status": "published"}),
            OpenApiExample("Make internal", request_only=True, value={"visibility": "internal"}),
        ],
    ),
    destroy=extend_schema(
        summary="Withdraw an article (archive it)",
        description="The article is archived, not erased: it leaves the portal and the "
        "suggestions, and its revisions and the tickets it helped on stay. Knowledge authors "
        "and managers only (403 otherwise). A PATCH with another `status` brings it back.",
        responses={204: None, 403: FORBIDDEN, **READ_ERRORS},
    ),
)
class ArticleViewSet(TenantViewSetMixin, viewsets.GenericViewSet, TenantAPIView):
    model = Article
    serializer_class = ArticleSerializer
    pagination_class = StableCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ArticleFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self):
        return selectors.articles_for_agents()

    def _article(self, pk: str) -> Article:
        return selectors.article_get_for_member(
            member=request_member(self.request), pk=id_from_path(pk)
        )

    def _detail(self, article: Article) -> dict:
        reloaded = selectors.article_get_for_member(
            member=request_member(self.request), pk=article.pk
        )
        return ArticleDetailSerializer(reloaded).data

    def list(self, request):
        query = validated_query(ArticleSearchParamsSerializer, request.query_params)["search"]
        articles = self.filter_queryset(self.get_queryset())
        if query.strip():
            return self._search(request, articles, query)
        page = self.paginate_queryset(articles)
        return self.get_paginated_response(ArticleSerializer(page, many=True).data)

    def _search(self, request, articles, query: str) -> Response:
        """One page of ranked hits, shaped like a cursor page without a next one."""
        limit = self.paginator.get_page_size(request)
        hits = search.search(articles, query, limit=limit)
        found = [hit.article for hit in hits]
        prefetch_related_objects(found, "category", "author__user")  # ranked rows lack them
        context = {"snippets": {hit.article.pk: hit.snippet for hit in hits}}
        rows = ArticleSerializer(found, many=True, context=context).data
        return Response({"next": None, "previous": None, "results": rows})

    def retrieve(self, request, pk: str):
        return Response(ArticleDetailSerializer(self._article(pk)).data)

    def create(self, request):
        def create() -> Response:
            data = validated(ArticleWriteSerializer, request.data)
            article = article_create_from_api(request=request, data=dict(data))
            return Response(self._detail(article), status=status.HTTP_201_CREATED)

        return idempotent(request, create)

    def partial_update(self, request, pk: str):
        article = self._article(pk)
        data = validated(ArticleUpdateSerializer, request.data, partial=True)
        article_update_from_api(article=article, member=request_member(request), data=data)
        return Response(self._detail(article))

    def destroy(self, request, pk: str):
        article = self._article(pk)
        services.article_set_status(
            article=article, actor=request_member(request), status=ArticleStatus.ARCHIVED
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# (prefix, viewset, basename) for the router in ``config.urls``.
api_routes = [("articles", ArticleViewSet, "article")]
