"""The public knowledge base of the customer portal (``/support/kb/``): no sign-in.

Only published, public articles of the request's tenant are ever read here
(``knowledge.selectors.public_articles``); anything else is a 404. The POSTs (vote, "this
solved my problem", the view beacon) are CSRF-protected like every other form, and a view is
counted by a POST beacon rather than on GET, so a crawler or a prefetch changes nothing.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .forms import VoteForm

SUGGESTION_LIMIT = 5
MAX_QUERY_CHARS = 200
VIEWED_SESSION_KEY = "kb_viewed"
MAX_REMEMBERED_VIEWS = 200


def tenant_required(view):
    """The public pages exist on a tenant's host only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "tenant", None) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _query(params) -> str:
    """The search text of ``request.GET`` or ``request.POST``: the portal's subject field
    sends it as "subject", the KB's own search box as "q". NUL characters are dropped: a
    database cannot store them (the query is kept with a deflection) and they match nothing."""
    raw = params.get("q") or params.get("subject") or ""
    return raw.replace("\x00", "").strip()[:MAX_QUERY_CHARS]


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


@tenant_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "categories": selectors.public_categories(),
        "latest": selectors.public_articles().order_by("-published_at", "-pk")[:10],
    }
    return render(request, "knowledge/public/home.html", context)


@tenant_required
@require_GET
def category(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_category_get(pk=pk)
    articles = selectors.public_articles().filter(category=found).order_by("title")
    context = {"category": found, "articles": articles}
    return render(request, "knowledge/public/category.html", context)


@tenant_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = _query(request.GET)
    context = {"query": query, "hits": selectors.public_search(query=query) if query else []}
    return render(request, "knowledge/public/search.html", context)


@tenant_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the portal form's subject field (debounced on the client)."""
    query = _query(request.GET)
    hits = selectors.public_search(query=query, limit=SUGGESTION_LIMIT) if len(query) >= 2 else []
    return render(request, "knowledge/public/_suggestions.html", {"query": query, "hits": hits})


@tenant_required
@require_GET
def article(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_article_get(pk=pk)
    voted = str(found.pk) in request.session.get("kb_voted", [])
    context = {"article": found, "query": _query(request.GET), "voted": voted}
    return render(request, "knowledge/public/article.html", context)


@tenant_required
@require_POST
def viewed(request: HttpRequest, pk: int) -> HttpResponse:
    """Count a read once per browser session."""
    found = selectors.public_article_get(pk=pk)
    seen = request.session.get(VIEWED_SESSION_KEY, [])
    if found.pk not in seen:
        services.article_record_view(article=found)
        request.session[VIEWED_SESSION_KEY] = [*seen, found.pk][-MAX_REMEMBERED_VIEWS:]
    return HttpResponse(status=204)


@tenant_required
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_article_get(pk=pk)
    form = VoteForm(request.POST)
    if form.is_valid():
        services.article_vote(
            article=found, session_key=_session_key(request), helpful=form.cleaned_data["helpful"]
        )
        request.session["kb_voted"] = [*request.session.get("kb_voted", []), str(found.pk)][-200:]
    if request.htmx:
        return render(request, "knowledge/public/_voted.html", {"article": found})
    return redirect("knowledge:public_article", pk=found.pk)


@tenant_required
@require_POST
def solved(request: HttpRequest, pk: int) -> HttpResponse:
    """ "This solved my problem": count a deflection. Nothing is submitted to the desk."""
    found = selectors.public_article_get(pk=pk)
    query = _query(request.POST)
    services.deflection_record(article=found, query=query)
    text = _("Glad we could help. No request was sent.")
    if request.htmx:
        return render(request, "knowledge/public/_solved.html", {"article": found, "text": text})
    messages.success(request, text)
    return redirect("knowledge:public_article", pk=found.pk)
