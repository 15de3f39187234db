"""Knowledge pages for agents (``/knowledge/``) and the ticket page's knowledge panel.

Thin: reads through ``knowledge.selectors`` (which authorize: another tenant's or a forbidden
object is a 404), writes are POSTs handed to one service. The public knowledge base of the
customer portal is in ``knowledge.views_public``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Membership
from helpdesk.platform.view_helpers import service_error_into_form
from tickets.rendering import render_body
from tickets.selectors import ticket_get_for_member, tickets_visible_to
from tickets.views import bulk_each

from . import search, selectors, services
from .forms import (
    ArticleForm,
    ArticleStatusForm,
    AuthorForm,
    BannedPhraseForm,
    CategoryForm,
    LinkForm,
    PreviewForm,
    ReplyTemplateForm,
    TemplateApplyForm,
    TemplateBulkApplyForm,
)
from .models import (
    ArticleStatus,
    BannedPhrase,
    KnowledgeAuthor,
    KnowledgeCategory,
    LinkKind,
    ReplyTemplate,
)
from .selectors import MANAGER_ROLES


def _htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- articles ----------------------------------------------------------------------------------


@member_required()
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    status = status if status in ArticleStatus.values else ""
    context = {
        "query": query,
        "status": status,
        "statuses": ArticleStatus.choices,
        "hits": search.search(selectors.articles_for_agents(status=status), query) if query else [],
        "articles": [] if query else selectors.articles_for_agents(status=status)[:100],
        "can_publish": selectors.is_publisher(request.membership),
        "is_manager": selectors.is_manager(request.membership),
    }
    return render(request, "knowledge/article_list.html", context)


@member_required()
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"language": request.tenant.default_language})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                tenant=request.tenant, author=request.membership, fields=form.to_fields()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article_detail", pk=article.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/article_form.html", {"form": form}, status=status)


@member_required()
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_member(member=request.membership, pk=pk)
    context = {
        "article": article,
        "revisions": article.revisions.select_related("editor__user")[:50],
        "can_edit": selectors.can_edit_article(request.membership, article),
        "can_publish": selectors.is_publisher(request.membership),
        "statuses": ArticleStatus.choices,
    }
    return render(request, "knowledge/article_detail.html", context)


@member_required()
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_member(member=request.membership, pk=pk)
    if not selectors.can_edit_article(request.membership, article):
        raise Http404
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_from(article))
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(
                article=article, editor=request.membership, fields=form.to_fields()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article_detail", pk=article.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "article": article}
    return render(request, "knowledge/article_form.html", context, status=status)


@member_required()
@require_POST
def article_status(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_member(member=request.membership, pk=pk)
    form = ArticleStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("knowledge:article_detail", pk=article.pk)
    try:
        services.article_set_status(
            article=article, actor=request.membership, status=form.cleaned_data["status"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Status: %(status)s.") % {"status": article.get_status_display()}
        )
    return redirect("knowledge:article_detail", pk=article.pk)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@member_required()
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview: the body exactly as readers will get it (sanitized Markdown)."""
    form = PreviewForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    return render(request, "knowledge/_preview.html", {"html": render_body(body)})


# --- categories and authors (managers) ---------------------------------------------------------


@member_required(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(tenant=request.tenant, **form.cleaned_data)
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Category added."))
            return redirect("knowledge:categories")
    context = {"form": form, "categories": KnowledgeCategory.objects.all()}
    return render(request, "knowledge/categories.html", context)


@member_required(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def authors(request: HttpRequest) -> HttpResponse:
    form = AuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["membership"]
        if form.cleaned_data["grant"]:
            services.knowledge_author_grant(membership=member, actor=request.membership)
        else:
            services.knowledge_author_revoke(membership=member, actor=request.membership)
        messages.success(request, _("Knowledge authors saved."))
        return redirect("knowledge:authors")
    author_ids = set(KnowledgeAuthor.objects.values_list("membership_id", flat=True))
    members = Membership.objects.filter(is_active=True).select_related("user").order_by("pk")
    context = {
        "rows": [(m, m.pk in author_ids, m.role in MANAGER_ROLES) for m in members],
    }
    return render(request, "knowledge/authors.html", context)


# --- the ticket page's knowledge panel --------------------------------------------------------


def _panel(request: HttpRequest, ticket, *, status: int = 200) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    if query:
        hits = search.search(selectors.published_for_agents(), query, limit=5)
    else:
        hits = selectors.article_suggestions_for_ticket(ticket=ticket)
    context = {
        "ticket": ticket,
        "query": query,
        "hits": [(hit, _public_url(request, hit.article)) for hit in hits],
        "links": selectors.ticket_links(ticket=ticket),
        "kinds": LinkKind,
    }
    return render(request, "knowledge/_ticket_panel_body.html", context, status=status)


def _public_url(request: HttpRequest, article) -> str:
    if not article.is_public:
        return ""
    return request.build_absolute_uri(reverse("knowledge:public_article", args=[article.pk]))


@member_required()
@require_GET
def ticket_panel(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_get_for_member(member=request.membership, number=number)
    return _panel(request, ticket)


@member_required()
@require_GET
def composer_templates(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box's menu of templates and macros, the customer's language first, each
    filled in for this ticket."""
    member = request.membership
    ticket = ticket_get_for_member(member=member, number=number)
    language = ticket.customer.language or ticket.tenant.default_language
    templates = [
        (template, services.reply_template_fill(text=template.body, ticket=ticket, agent=member))
        for template in selectors.reply_templates_for_reply(member=member, language=language)
    ]
    context = {"ticket": ticket, "templates": templates, "language": language}
    return render(request, "knowledge/_composer_templates.html", context)


@member_required()
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = LinkForm(request.POST)
    if not form.is_valid():
        raise Http404
    article = selectors.published_for_agents().filter(pk=form.cleaned_data["article"]).first()
    if article is None:
        raise Http404
    kind = form.cleaned_data["kind"] or LinkKind.LINKED
    try:
        services.ticket_article_link(
            ticket=ticket, article=article, actor=request.membership, kind=kind
        )
    except ValidationError:
        return _panel(request, ticket, status=400)
    if not request.htmx:
        messages.success(request, _("Article linked to the ticket."))
        return redirect("ticket_detail", number=ticket.number)
    return _panel(request, ticket)


@member_required()
@require_POST
def template_apply(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """Send a reply from a template and apply its macro's field changes."""
    member = request.membership
    ticket = ticket_get_for_member(member=member, number=number)
    template = selectors.reply_template_usable_get(member=member, pk=pk)
    form = TemplateApplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["body"])
        services.reply_template_apply(
            ticket=ticket, template=template, actor=member, body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reply sent with “%(name)s”.") % {"name": template.name})
    page = reverse("ticket_detail", args=[ticket.number])
    if not tickets_visible_to(member).filter(pk=ticket.pk).exists():
        page = reverse("ticket_queue")
    return _htmx_redirect(request, page)


@member_required()
@require_POST
def template_bulk_apply(request: HttpRequest) -> HttpResponse:
    """The queue's bulk action: reply to each selected ticket with one template and apply its
    macro, each ticket in its own transaction; every failure is reported, the rest go through."""
    member = request.membership
    form = TemplateBulkApplyForm(request.POST)
    template = None
    if form.is_valid():
        template = selectors.reply_template_usable_get(
            member=member, pk=form.cleaned_data["template"]
        )
    return bulk_each(
        request,
        form,
        lambda ticket: services.reply_template_apply(
            ticket=ticket, template=template, actor=member
        ),
    )


@member_required()
@require_POST
def phrase_check(request: HttpRequest) -> HttpResponse:
    """Warn in the reply composer while typing: banned phrases are not blocked in replies,
    only in templates, but the agent should see them before sending."""
    found = selectors.banned_phrases_in(request.POST.get("body", ""))
    return render(request, "knowledge/_phrase_warning.html", {"found": found})


# --- reply templates --------------------------------------------------------------------------


@member_required()
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    context = {
        "templates": selectors.reply_templates_managed_by(request.membership),
        "is_manager": selectors.is_manager(request.membership),
    }
    return render(request, "knowledge/template_list.html", context)


@member_required()
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    form = ReplyTemplateForm(request.POST or None, initial={"scope": "personal"})
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_template_create(
                tenant=request.tenant, owner=request.membership, fields=form.to_fields()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("knowledge:template_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/template_form.html", {"form": form}, status=status)


@member_required()
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.reply_template_get_for_editor(member=request.membership, pk=pk)
    form = ReplyTemplateForm(request.POST or None, initial=ReplyTemplateForm.initial_from(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_template_update(
                template=template, actor=request.membership, fields=form.to_fields()
            )
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("knowledge:template_list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "template": template}
    return render(request, "knowledge/template_form.html", context, status=status)


@member_required(*MANAGER_ROLES)
@require_POST
def template_review(request: HttpRequest, pk: int) -> HttpResponse:
    template: ReplyTemplate = selectors.reply_template_get_for_review(
        member=request.membership, pk=pk
    )
    approve = request.POST.get("decision") == "approve"
    try:
        services.reply_template_review(template=template, actor=request.membership, approve=approve)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Template approved.") if approve else _("Template rejected."))
    return redirect("knowledge:template_list")


@member_required(*MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def banned_phrases(request: HttpRequest) -> HttpResponse:
    form = BannedPhraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.banned_phrase_add(
            tenant=request.tenant, actor=request.membership, phrase=form.cleaned_data["phrase"]
        )
        messages.success(request, _("Phrase added."))
        return redirect("knowledge:banned_phrases")
    context = {"form": form, "phrases": BannedPhrase.objects.all()}
    return render(request, "knowledge/banned_phrases.html", context)


@member_required(*MANAGER_ROLES)
@require_POST
def banned_phrase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    banned = selectors.banned_phrase_get(pk=pk)
    services.banned_phrase_remove(banned=banned, actor=request.membership)
    messages.success(request, _("Phrase removed."))
    return redirect("knowledge:banned_phrases")
