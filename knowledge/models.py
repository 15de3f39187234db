"""Knowledge base (知识库) and reply templates (话术).

Writes go through ``knowledge.services``; nothing else calls ``save()`` on these models.

Who may publish: a tenant admin or manager, or a member a manager has made a knowledge author
(``KnowledgeAuthor``). Everyone else who works tickets writes drafts. The grant lives in this app
rather than as a flag on ``Membership`` so the tenancy core does not need to know about the
knowledge base (and needs no migration for it).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Membership, Team, TenantOwned
from products.models import Product
from tickets.models import Category, Priority, Status, Ticket


class KnowledgeCategory(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="kb_category_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (customers)")
    INTERNAL = "internal", _("Internal (agents only)")


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH_HANS = "zh-hans", _("Simplified Chinese")


class ArticleSearchVector(models.Func):
    """The weighted full-text document of an article, as a generated column.

    PostgreSQL: title + tags weigh A, summary + body weigh B, both parsed with the ``simple``
    configuration from the pre-tokenised ``search_title`` / ``search_body`` columns (see
    ``knowledge.search`` for why Chinese arrives there as character bigrams). Elsewhere the
    column is NULL: SQLite searches with the ``icontains`` fallback instead.
    """

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(models.F("search_title"), models.F("search_body"))

    def as_sql(self, compiler, connection, **extra):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra):
        title, title_params = compiler.compile(self.source_expressions[0])
        body, body_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"(setweight(to_tsvector('simple'::regconfig, {title}), 'A') || "
            f"setweight(to_tsvector('simple'::regconfig, {body}), 'B'))"
        )
        return sql, [*title_params, *body_params]


class Article(TenantOwned):
    category = models.ForeignKey(
        KnowledgeCategory,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body"), help_text=_("Markdown."))
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Comma-separated."))
    author = models.ForeignKey(
        Membership,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The catalogue entries the article is about; their pages list it.
    products = models.ManyToManyField(
        Product, verbose_name=_("products"), blank=True, related_name="articles"
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # Maintained by knowledge.services from the fields above (knowledge.search.search_text).
    search_title = models.TextField(editable=False, blank=True, default="")
    search_body = models.TextField(editable=False, blank=True, default="")
    search_vector = models.GeneratedField(
        expression=ArticleSearchVector(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(
                fields=["tenant", "status", "visibility", "-published_at"], name="kb_article_list"
            ),
            models.Index(fields=["tenant", "category", "status"], name="kb_article_category"),
        ]
        # The GIN index on search_vector is created by migration 0002 on PostgreSQL only.

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC


class ArticleRevision(TenantOwned):
    """A snapshot written by every save through ``knowledge.services``."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    tags = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=ArticleStatus.choices)
    visibility = models.CharField(max_length=16, choices=Visibility.choices)
    editor = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class KnowledgeAuthor(TenantOwned):
    """A member a manager allowed to publish articles."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"], name="kb_author_unique")
        ]

    def __str__(self) -> str:
        return str(self.membership)


class ArticleVote(TenantOwned):
    """One "was this helpful?" answer per browser session and article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    session_key = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "session_key"], name="kb_vote_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class Deflection(TenantOwned):
    """A customer said an article solved their problem instead of submitting a request."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    query = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "created_at"], name="kb_deflection_time")]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.created_at:%Y-%m-%d}"


class LinkKind(models.TextChoices):
    LINKED = "linked", _("Linked")
    INSERTED_LINK = "inserted_link", _("Link inserted into a reply")
    INSERTED_TEXT = "inserted_text", _("Text inserted into a reply")


class TicketArticleLink(TenantOwned):
    """An article used on a ticket: the numerator of the usage rate."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_links")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    kind = models.CharField(max_length=16, choices=LinkKind.choices, default=LinkKind.LINKED)
    linked_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_link_once_per_ticket")
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} ↔ {self.article_id}"


class BannedPhrase(TenantOwned):
    """A phrase no reply template may contain (e.g. promises the company cannot keep)."""

    phrase = models.CharField(_("phrase"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("banned phrase")
        verbose_name_plural = _("banned phrases")
        ordering = ["phrase"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "phrase"], name="kb_banned_phrase_unique")
        ]

    def __str__(self) -> str:
        return self.phrase


class TemplateScope(models.TextChoices):
    PERSONAL = "personal", _("Personal (only me)")
    TEAM = "team", _("Team")
    TENANT = "tenant", _("Whole service desk")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReplyTemplate(TenantOwned):
    """A canned response (话术), optionally a macro that also changes ticket fields.

    Placeholders ``{{ customer.name }}``, ``{{ ticket.number }}`` and ``{{ agent.name }}`` are
    substituted as plain text by ``knowledge.services.reply_template_fill``; the body is never
    rendered by the template engine. Shared templates (team, tenant) are usable only once a
    manager approved them; any change to a shared template asks for approval again.
    """

    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))
    scope = models.CharField(
        _("shared with"), max_length=16, choices=TemplateScope.choices, default=TemplateScope.TENANT
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True
    )
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    approval_status = models.CharField(
        max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    approved_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Macro: field changes applied together with the reply (blank = leave unchanged).
    set_status = models.CharField(
        _("set status"), max_length=16, choices=Status.choices, blank=True
    )
    set_priority = models.CharField(
        _("set priority"), max_length=16, choices=Priority.choices, blank=True
    )
    set_category = models.ForeignKey(
        Category,
        verbose_name=_("set category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    set_team = models.ForeignKey(
        Team,
        verbose_name=_("set team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    add_tags = models.CharField(
        _("add tags"), max_length=200, blank=True, help_text=_("Comma-separated.")
    )
    # Blank: the text suits any customer. The composer lists the customer's language first.
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.scope != TemplateScope.PERSONAL

    @property
    def is_usable(self) -> bool:
        return not self.is_shared or self.approval_status == ApprovalStatus.APPROVED

    @property
    def is_macro(self) -> bool:
        return bool(
            self.set_status
            or self.set_priority
            or self.set_category_id
            or self.set_team_id
            or self.add_tags.strip()
        )
