"""Builders for knowledge tests. Preconditions: the tenant's scope is active."""

from helpdesk.models import Membership, Tenant
from knowledge import services
from knowledge.models import Article, ArticleStatus, KnowledgeCategory, Visibility


def article(
    *,
    tenant: Tenant,
    author: Membership,
    title: str,
    body: str = "Some text.",
    summary: str = "",
    language: str = "en",
    visibility: str = Visibility.PUBLIC,
    status: str = ArticleStatus.PUBLISHED,
    publisher: Membership | None = None,
    category: KnowledgeCategory | None = None,
) -> Article:
    fields = services.ArticleFields(
        title=title,
        body=body,
        summary=summary,
        language=language,
        visibility=visibility,
        category=category,
    )
    created = services.article_create(tenant=tenant, author=author, fields=fields)
    if status != ArticleStatus.DRAFT:
        services.article_set_status(article=created, actor=publisher or author, status=status)
    return created


def knowledge_objects(tenant: Tenant, admin: Membership) -> dict:
    """Objects of tenant A the URL catalogue points at (tests/url_catalogue.py)."""
    category = services.category_create(tenant=tenant, name="Washers")
    template = services.reply_template_create(
        tenant=tenant,
        owner=admin,
        fields=services.TemplateFields(name="Hello", body="Hello {{ customer.name }}"),
    )
    return {
        "kb_category": category,
        "kb_article": article(tenant=tenant, author=admin, title="Leaks", category=category),
        "reply_template": template,
        "banned_phrase": services.banned_phrase_add(tenant=tenant, actor=admin, phrase="never"),
    }
