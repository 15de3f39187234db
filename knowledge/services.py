"""Every write on the knowledge base and on reply templates. Each public function is one
transaction.

Preconditions for all of them: the tenant scope is active and the caller fetched the objects
through ``knowledge.selectors`` (which authorizes). Rules that depend on who acts (publishing,
approving) are checked here too, so every interface enforces them the same way.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.audit import audit_changes, audit_delete, audit_record, audit_snapshot
from helpdesk.models import Membership, Team, Tenant
from products.models import Product
from tickets import services as ticket_services
from tickets.models import Category, Message, Ticket

from . import selectors
from .models import (
    ApprovalStatus,
    Article,
    ArticleRevision,
    ArticleStatus,
    ArticleVote,
    BannedPhrase,
    Deflection,
    KnowledgeAuthor,
    KnowledgeCategory,
    LinkKind,
    ReplyTemplate,
    TemplateScope,
    TicketArticleLink,
)
from .search import search_text

DEFAULT_BANNED_PHRASES = ("绝对保证", "absolutely guaranteed", "永久有效", "valid forever")


# --- categories and authors --------------------------------------------------------------------


@transaction.atomic
def category_create(
    *, tenant: Tenant, name: str, description: str = "", position: int = 100
) -> KnowledgeCategory:
    name = name.strip()
    if KnowledgeCategory.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A category with this name exists already.")})
    return KnowledgeCategory.objects.create(
        tenant=tenant, name=name, description=description.strip(), position=position
    )


@transaction.atomic
def knowledge_author_grant(*, membership: Membership, actor: Membership) -> KnowledgeAuthor:
    _require_manager(actor)
    author, _created = KnowledgeAuthor.objects.get_or_create(
        tenant_id=membership.tenant_id, membership=membership, defaults={"granted_by": actor}
    )
    return author


@transaction.atomic
def knowledge_author_revoke(*, membership: Membership, actor: Membership) -> None:
    _require_manager(actor)
    KnowledgeAuthor.objects.filter(membership=membership).delete()


def _require_manager(actor: Membership) -> None:
    if not selectors.is_manager(actor):
        raise PermissionDenied(_("Only a manager may do this."))


# --- articles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFields:
    title: str
    body: str
    summary: str = ""
    tags: str = ""
    category: KnowledgeCategory | None = None
    visibility: str = "public"
    language: str = "zh-hans"
    # The products the article is about; None leaves them as they are.
    products: list[Product] | None = None


def _clean_tags(tags: str) -> str:
    names = [name.strip()[:40] for name in re.split(r"[,，]", tags or "") if name.strip()]
    return ", ".join(dict.fromkeys(names))


def _link_products(article: Article, products: list[Product] | None) -> None:
    if products is not None:
        article.products.set(products)


def _apply_fields(article: Article, fields: ArticleFields) -> None:
    if not fields.title.strip():
        raise ValidationError({"title": _("An article needs a title.")})
    if not fields.body.strip():
        raise ValidationError({"body": _("An article needs a body.")})
    article.title = fields.title.strip()
    article.summary = fields.summary.strip()
    article.body = fields.body
    article.tags = _clean_tags(fields.tags)
    article.category = fields.category
    article.visibility = fields.visibility
    article.language = fields.language
    article.search_title = search_text(article.title, article.tags)
    article.search_body = search_text(article.summary, article.body)


def _revise(article: Article, editor: Membership | None, note: str = "") -> ArticleRevision:
    """Snapshot the article. Precondition: in a transaction, article saved."""
    last = article.revisions.aggregate(last=Max("number"))["last"] or 0
    return ArticleRevision.objects.create(
        tenant_id=article.tenant_id,
        article=article,
        number=last + 1,
        title=article.title,
        summary=article.summary,
        body=article.body,
        tags=article.tags,
        status=article.status,
        visibility=article.visibility,
        editor=editor,
        note=note,
    )


@transaction.atomic
def article_create(*, tenant: Tenant, author: Membership, fields: ArticleFields) -> Article:
    """A new draft with its first revision."""
    article = Article(tenant=tenant, author=author, status=ArticleStatus.DRAFT)
    _apply_fields(article, fields)
    article.save()
    _link_products(article, fields.products)
    _revise(article, author, note=_("Created"))
    return article


@transaction.atomic
def article_update(*, article: Article, editor: Membership, fields: ArticleFields) -> Article:
    if not selectors.can_edit_article(editor, article):
        raise PermissionDenied(_("You may not edit this article."))
    _apply_fields(article, fields)
    article.updated_at = timezone.now()
    article.save()
    _link_products(article, fields.products)
    _revise(article, editor)
    return article


@transaction.atomic
def article_set_status(*, article: Article, actor: Membership, status: str) -> Article:
    """Publish, archive or take back to draft: knowledge authors and managers only."""
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not selectors.is_publisher(actor):
        raise PermissionDenied(_("Only knowledge authors and managers may publish."))
    if status == article.status:
        return article
    article.status = status
    if status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.updated_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    _revise(article, actor, note=ArticleStatus(status).label)
    return article


def article_record_view(*, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_vote(*, article: Article, session_key: str, helpful: bool) -> bool:
    """Count one "was this helpful?" answer per session; returns False for a repeat."""
    try:
        with transaction.atomic():
            ArticleVote.objects.create(
                tenant_id=article.tenant_id,
                article=article,
                session_key=session_key,
                helpful=helpful,
            )
    except IntegrityError:
        return False
    counter = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return True


def deflection_record(*, article: Article, query: str) -> Deflection:
    """The customer's problem was solved by the article; nothing else is submitted."""
    return Deflection.objects.create(
        tenant_id=article.tenant_id, article=article, query=(query or "").strip()[:200]
    )


@transaction.atomic
def ticket_article_link(
    *, ticket: Ticket, article: Article, actor: Membership, kind: str = LinkKind.LINKED
) -> TicketArticleLink:
    """Record that the article was used on the ticket (once per ticket and article)."""
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Unknown kind of link.")})
    link, _created = TicketArticleLink.objects.get_or_create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        article=article,
        defaults={"kind": kind, "linked_by": actor},
    )
    return link


# --- banned phrases ---------------------------------------------------------------------------


def banned_phrases_seed(*, tenant: Tenant) -> None:
    """Idempotent: the phrases every tenant starts with (seed 004)."""
    for phrase in DEFAULT_BANNED_PHRASES:
        BannedPhrase.objects.get_or_create(tenant=tenant, phrase=phrase)


@transaction.atomic
def banned_phrase_add(*, tenant: Tenant, actor: Membership, phrase: str) -> BannedPhrase:
    _require_manager(actor)
    phrase = phrase.strip()
    if not phrase:
        raise ValidationError({"phrase": _("Enter a phrase.")})
    banned, created = BannedPhrase.objects.get_or_create(tenant=tenant, phrase=phrase)
    if created:
        audit_record(tenant=tenant, actor=actor, action="created", target=banned, new=phrase)
    return banned


@transaction.atomic
def banned_phrase_remove(*, banned: BannedPhrase, actor: Membership) -> None:
    _require_manager(actor)
    audit_delete(tenant=banned.tenant_id, actor=actor, instance=banned)


def _refuse_banned_phrases(text: str) -> None:
    found = selectors.banned_phrases_in(text)
    if found:
        raise ValidationError(
            {
                "body": _("Remove the banned phrase(s): %(phrases)s")
                % {"phrases": ", ".join(f"“{p}”" for p in found)}
            }
        )


# --- reply templates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateFields:
    name: str
    body: str
    scope: str = TemplateScope.PERSONAL
    team: Team | None = None
    set_status: str = ""
    set_priority: str = ""
    set_category: Category | None = None
    set_team: Team | None = None
    add_tags: str = ""
    language: str = ""


# What the audit trail compares when a template (or macro: status, priority, …) changes.
TEMPLATE_AUDITED_FIELDS = (
    "name",
    "body",
    "scope",
    "team",
    "set_status",
    "set_priority",
    "set_category",
    "set_team",
    "add_tags",
    "language",
    "approval_status",
)


def _apply_template_fields(template: ReplyTemplate, fields: TemplateFields) -> None:
    if not fields.name.strip():
        raise ValidationError({"name": _("Give the template a name.")})
    if not fields.body.strip():
        raise ValidationError({"body": _("Write the template's text.")})
    if fields.scope == TemplateScope.TEAM and fields.team is None:
        raise ValidationError({"team": _("Choose the team that shares this template.")})
    _refuse_banned_phrases(f"{fields.name}\n{fields.body}")
    template.name = fields.name.strip()
    template.body = fields.body
    template.scope = fields.scope
    template.team = fields.team if fields.scope == TemplateScope.TEAM else None
    template.set_status = fields.set_status
    template.set_priority = fields.set_priority
    template.set_category = fields.set_category
    template.set_team = fields.set_team
    template.add_tags = _clean_tags(fields.add_tags)
    template.language = fields.language


def _ask_approval(template: ReplyTemplate) -> None:
    # Personal templates are the owner's business; shared ones wait for a manager (seed 004).
    shared = template.scope != TemplateScope.PERSONAL
    template.approval_status = ApprovalStatus.PENDING if shared else ApprovalStatus.APPROVED
    template.approved_by = None
    template.approved_at = None


@transaction.atomic
def reply_template_create(
    *, tenant: Tenant, owner: Membership, fields: TemplateFields
) -> ReplyTemplate:
    template = ReplyTemplate(tenant=tenant, owner=owner)
    _apply_template_fields(template, fields)
    _ask_approval(template)
    template.save()
    audit_record(
        tenant=tenant,
        actor=owner,
        action="created",
        target=template,
        new=template.name,
        data={"values": audit_snapshot(template, TEMPLATE_AUDITED_FIELDS)},
    )
    return template


@transaction.atomic
def reply_template_update(
    *, template: ReplyTemplate, actor: Membership, fields: TemplateFields
) -> ReplyTemplate:
    """Any change to a shared template needs a manager's approval again."""
    if not selectors.can_edit_template(actor, template):
        raise PermissionDenied(_("You may not edit this template."))
    before = audit_snapshot(template, TEMPLATE_AUDITED_FIELDS)
    _apply_template_fields(template, fields)
    _ask_approval(template)
    template.updated_at = timezone.now()
    template.save()
    after = audit_snapshot(template, TEMPLATE_AUDITED_FIELDS)
    audit_changes(
        tenant=template.tenant_id, actor=actor, target=template, before=before, after=after
    )
    return template


@transaction.atomic
def reply_template_review(
    *, template: ReplyTemplate, actor: Membership, approve: bool
) -> ReplyTemplate:
    _require_manager(actor)
    if template.scope == TemplateScope.PERSONAL:
        raise ValidationError(_("Personal templates need no approval."))
    # The phrase list may have grown since the template was written.
    _refuse_banned_phrases(f"{template.name}\n{template.body}")
    old = template.approval_status
    template.approval_status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    template.approved_by = actor
    template.approved_at = timezone.now()
    template.save(update_fields=["approval_status", "approved_by", "approved_at"])
    audit_record(
        tenant=template.tenant_id,
        actor=actor,
        action="approved" if approve else "rejected",
        target=template,
        field="approval_status",
        old=old,
        new=template.approval_status,
    )
    return template


PLACEHOLDER = re.compile(r"\{\{\s*(customer\.name|ticket\.number|agent\.name)\s*\}\}")


def reply_template_fill(*, text: str, ticket: Ticket, agent: Membership | None) -> str:
    """Substitute exactly the three supported placeholders as plain text; anything else
    between braces stays as typed. Never the template engine: a template is user input.
    With no agent (a tenant's rule sends it), the agent's name is the desk's."""
    values = {
        "customer.name": ticket.customer.name or ticket.customer.email,
        "ticket.number": str(ticket.number),
        "agent.name": agent.user.get_full_name() if agent else ticket.tenant.name,
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


@transaction.atomic
def reply_template_apply(
    *, ticket: Ticket, template: ReplyTemplate, actor: Membership | None, body: str = ""
) -> Message:
    """Send the reply (``body``, or the filled template when empty) and apply the macro's
    field changes, each through its ticket service and so each with its own audit event.
    All or nothing: if one change is refused, the reply is not sent either. ``actor`` None:
    a tenant's rule applies it, and the reply comes from the desk."""
    if not template.is_usable:
        raise ValidationError(_("This template is waiting for a manager's approval."))
    text = (
        body
        if body.strip()
        else reply_template_fill(text=template.body, ticket=ticket, agent=actor)
    )
    message = ticket_services.ticket_reply(ticket=ticket, actor=actor, body=text)
    _apply_macro(ticket, template, actor)
    return message


def _apply_macro(ticket: Ticket, template: ReplyTemplate, actor: Membership | None) -> None:
    if template.set_priority:
        ticket_services.ticket_change_priority(
            ticket=ticket, actor=actor, priority=template.set_priority
        )
    if template.set_category_id:
        ticket_services.ticket_change_category(
            ticket=ticket, actor=actor, category=template.set_category
        )
    if template.set_team_id:
        ticket_services.ticket_change_team(ticket=ticket, actor=actor, team=template.set_team)
    if template.add_tags.strip():
        names = [*ticket.tags.values_list("name", flat=True), *template.add_tags.split(",")]
        ticket_services.ticket_set_tags(ticket=ticket, actor=actor, names=names)
    # Status last: resolving is the natural end of a macro and must see the other changes.
    if template.set_status:
        ticket_services.ticket_change_status(ticket=ticket, actor=actor, status=template.set_status)
