"""The search page of the top bar's box, and the caller look-up of the phone intake form.

Reads only: both go through ``tickets.search``, which keeps to what the member may open.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.selectors import customer_get
from helpdesk.auth import member_required
from helpdesk.platform.view_helpers import in_tenant_time_zone
from tickets.forms import TicketIntakeForm
from tickets.search import (
    MIN_QUERY_LENGTH,
    caller_query,
    callers_matching,
    query_is_searchable,
    workspace_search,
)

# Longer text is cut: nobody types more into a search box, and every branch re-reads it.
QUERY_MAX_LENGTH = 200


@member_required()
@require_GET
@in_tenant_time_zone
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:QUERY_MAX_LENGTH].strip()
    results = None
    if query_is_searchable(query):
        results = workspace_search(member=request.membership, query=query)
    context = {"query": query, "results": results, "min_length": MIN_QUERY_LENGTH}
    return render(request, "tickets/search/results.html", context)


def _callers_typed(request: HttpRequest, data) -> dict:
    """The look-up's context: nothing at all while too little is typed to search."""
    text = caller_query(
        phone=data.get("customer_phone", "")[:40],
        name=data.get("customer_name", "")[:QUERY_MAX_LENGTH],
    )
    callers = callers_matching(member=request.membership, text=text) if text else []
    return {"callers": callers, "callers_looked_up": bool(text)}


@member_required()
@require_GET
def caller_lookup(request: HttpRequest) -> HttpResponse:
    """The customers the phone number or name typed on the intake form may be (a fragment
    that ``static/js/caller-lookup.js`` puts under the customer fields)."""
    return render(request, "tickets/search/_callers.html", _callers_typed(request, request.GET))


def intake_with_callers(request: HttpRequest) -> HttpResponse:
    """The intake form again for a browser without JavaScript: with the callers found
    ("Look up caller"), or with the customer fields filled from the one picked."""
    typed = request.POST.dict()
    picked = request.POST.get("use_customer", "")
    if picked:
        customer = _customer_picked(picked)
        typed.update(
            customer_name=customer.name,
            customer_email=customer.email,
            customer_phone=customer.phone,
        )
    context = {"form": TicketIntakeForm(initial=typed)}
    if not picked:
        context.update(_callers_typed(request, typed))
    return render(request, "tickets/new.html", context)


def _customer_picked(raw: str):
    if not raw.isdigit():
        raise Http404
    return customer_get(pk=int(raw))
