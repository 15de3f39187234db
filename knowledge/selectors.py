"""Reads of the knowledge base: fetch-and-authorize, the public portal's view, suggestions,
and the figures reports need (usage rate, deflections).

Precondition for all of them: the tenant scope is active.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from helpdesk.models import Membership, Role, Tenant
from tickets.models import Ticket

from . import search
from .models import (
    ApprovalStatus,
    Article,
    ArticleStatus,
    BannedPhrase,
    Deflection,
    KnowledgeAuthor,
    KnowledgeCategory,
    ReplyTemplate,
    TemplateScope,
    TicketArticleLink,
    Visibility,
)

MANAGER_ROLES = (Role.ADMIN, Role.MANAGER)


# --- who may do what ---------------------------------------------------------------------------


def is_manager(member: Membership) -> bool:
    return member.role in MANAGER_ROLES


def is_publisher(member: Membership) -> bool:
    """Managers, and the members they made knowledge authors."""
    return is_manager(member) or KnowledgeAuthor.objects.filter(membership=member).exists()


def can_edit_article(member: Membership, article: Article) -> bool:
    """Publishers edit everything; other members their own drafts (a published text changes
    only through someone allowed to publish it)."""
    if is_publisher(member):
        return True
    return article.status == ArticleStatus.DRAFT and article.author_id == member.pk


def can_edit_template(member: Membership, template: ReplyTemplate) -> bool:
    return template.owner_id == member.pk or is_manager(member)


# --- articles for agents -----------------------------------------------------------------------


def articles_for_agents(*, status: str = "", category: int | None = None) -> QuerySet[Article]:
    """Every article of the tenant, drafts and internal ones included: agents write them."""
    articles = Article.objects.select_related("category", "author__user").defer(
        "search_title", "search_body", "search_vector"
    )
    if status:
        articles = articles.filter(status=status)
    if category:
        articles = articles.filter(category_id=category)
    return articles.order_by("-updated_at", "-pk")


def article_get_for_member(*, member: Membership, pk: int) -> Article:
    article = articles_for_agents().filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def published_for_agents() -> QuerySet[Article]:
    """What an agent may hand to a customer or read: published, public or internal."""
    return Article.objects.filter(status=ArticleStatus.PUBLISHED)


def article_suggestions_for_ticket(*, ticket: Ticket, limit: int = 5) -> list[search.SearchHit]:
    """Published articles matching the ticket's subject and category, best first."""
    query = " ".join(
        filter(None, [ticket.subject, ticket.category.name if ticket.category else ""])
    )
    return search.search(published_for_agents(), query, limit=limit, match_any=True)


def ticket_links(*, ticket: Ticket) -> list[TicketArticleLink]:
    return list(ticket.article_links.select_related("article", "linked_by__user"))


# --- the public knowledge base ---------------------------------------------------------------


def public_articles() -> QuerySet[Article]:
    """What a customer may read: published and public, nothing else, ever."""
    return Article.objects.filter(
        status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC
    ).defer("search_title", "search_body", "search_vector")


def public_article_get(*, pk: int) -> Article:
    article = public_articles().select_related("category").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def public_categories() -> list[KnowledgeCategory]:
    """Categories that have something to read, with the number of public articles."""
    visible = Q(articles__status=ArticleStatus.PUBLISHED, articles__visibility=Visibility.PUBLIC)
    return list(
        KnowledgeCategory.objects.annotate(article_count=Count("articles", filter=visible)).filter(
            article_count__gt=0
        )
    )


def public_category_get(*, pk: int) -> KnowledgeCategory:
    category = KnowledgeCategory.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


def public_search(*, query: str, limit: int = 20) -> list[search.SearchHit]:
    return search.search(public_articles(), query, limit=limit)


# --- templates ---------------------------------------------------------------------------------


def reply_templates_usable_by(member: Membership) -> QuerySet[ReplyTemplate]:
    """Own personal templates, approved ones of the member's teams and of the whole desk."""
    # A subquery: the list reads in the same query as the templates.
    team_ids = Membership.teams.through.objects.filter(membership=member).values("team_id")
    approved = Q(approval_status=ApprovalStatus.APPROVED)
    return ReplyTemplate.objects.filter(
        Q(scope=TemplateScope.PERSONAL, owner=member)
        | (approved & Q(scope=TemplateScope.TENANT))
        | (approved & Q(scope=TemplateScope.TEAM, team_id__in=team_ids))
    ).select_related("set_category", "set_team", "team")


def reply_templates_for_reply(*, member: Membership, language: str) -> QuerySet[ReplyTemplate]:
    """The composer's menu: the usable templates in ``language`` (the customer's) first, then
    those for any language, then the others, each group by name."""
    rank = Case(
        When(language=language, then=Value(0)),
        When(language="", then=Value(1)),
        default=Value(2),
    )
    return (
        reply_templates_usable_by(member)
        .annotate(language_rank=rank)
        .order_by("language_rank", "name")
    )


def reply_template_usable_get(*, member: Membership, pk: int) -> ReplyTemplate:
    template = reply_templates_usable_by(member).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def reply_templates_managed_by(member: Membership) -> QuerySet[ReplyTemplate]:
    """The templates list page: a manager sees all, others their own and the usable ones."""
    templates = ReplyTemplate.objects.select_related("owner__user", "team", "approved_by__user")
    if is_manager(member):
        return templates
    usable = reply_templates_usable_by(member).values("pk")
    return templates.filter(Q(owner=member) | Q(pk__in=usable))


def reply_template_get_for_editor(*, member: Membership, pk: int) -> ReplyTemplate:
    template = reply_templates_managed_by(member).filter(pk=pk).first()
    if template is None or not can_edit_template(member, template):
        raise Http404
    return template


def reply_template_get_for_review(*, member: Membership, pk: int) -> ReplyTemplate:
    template = ReplyTemplate.objects.filter(pk=pk).first()
    if template is None or not is_manager(member):
        raise Http404
    return template


def banned_phrases_in(text: str) -> list[str]:
    """The tenant's banned phrases that occur in ``text`` (case-insensitive)."""
    lowered = (text or "").casefold()
    phrases = BannedPhrase.objects.values_list("phrase", flat=True)
    return [phrase for phrase in phrases if phrase.casefold() in lowered]


# --- figures for reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class UsageRate:
    tickets: int
    tickets_with_article: int

    @property
    def rate(self) -> float:
        return self.tickets_with_article / self.tickets if self.tickets else 0.0


def knowledge_usage_rate(*, tenant: Tenant, start: datetime, end: datetime) -> UsageRate:
    """Tickets created in [start, end) on which an article was linked or inserted, ÷ tickets."""
    tickets = Ticket.objects.filter(tenant=tenant, created_at__gte=start, created_at__lt=end)
    used = tickets.filter(article_links__isnull=False).distinct()
    return UsageRate(tickets=tickets.count(), tickets_with_article=used.count())


def deflection_count(*, tenant: Tenant, start: datetime, end: datetime) -> int:
    """Requests customers did not submit because an article solved their problem."""
    return Deflection.objects.filter(
        tenant=tenant, created_at__gte=start, created_at__lt=end
    ).count()


def deflections_by_article(*, tenant: Tenant, start: datetime, end: datetime) -> list[dict]:
    rows = Deflection.objects.filter(tenant=tenant, created_at__gte=start, created_at__lt=end)
    return list(
        rows.values("article_id", "article__title").annotate(count=Count("pk")).order_by("-count")
    )


def banned_phrase_get(*, pk: int) -> "BannedPhrase":
    """A banned phrase of the tenant, else 404. Precondition: the caller checked the role
    (managers keep the list) and the tenant scope is active."""
    from django.http import Http404

    from .models import BannedPhrase

    banned = BannedPhrase.objects.filter(pk=pk).first()
    if banned is None:
        raise Http404
    return banned
