"""The customer's quote page in the portal: the lines and total, Approve and Decline.

Reached only through the ticket's signed follow link (``/support/t/<token>/quote/<pk>/``) and
fetched through that ticket, so another ticket's, customer's or tenant's quote is a 404. The
page speaks the customer's language unless the visitor picked one. A decision on a quote that
no longer waits (a second click, a second tab) is answered 409 with what happened to it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from repairs import quotes
from repairs.quote_forms import QuoteDeclineForm
from repairs.quote_selectors import portal_quote_get
from tickets import selectors as ticket_selectors
from tickets.portal_views import portal_page


def _render(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    context = {
        "notices": request.portal_notices,
        "portal_customer": request.portal_customer,
        **context,
    }
    return render(request, template, context, status=status)


def _quote_or_404(request: HttpRequest, token: str, pk: int):
    """(quote, None) for a good link, (None, expired-page response) for an expired one."""
    ticket, expired = ticket_selectors.portal_ticket_from_token(tenant=request.tenant, token=token)
    if expired:
        return None, _render(request, "customers/portal/link_expired.html", {}, status=410)
    if ticket is None:
        raise Http404
    return portal_quote_get(ticket=ticket, pk=pk), None


def _language(request: HttpRequest, quote) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen or quote.customer.language or translation.get_language()


def _quote_page(request, token, quote, form=None, error="", status=200) -> HttpResponse:
    context = {
        "ticket": quote.ticket,
        "quote": quote,
        "lines": list(quote.lines.all()),
        "token": token,
        "form": form or QuoteDeclineForm(),
        "error": error,
    }
    with translation.override(_language(request, quote)):
        return _render(request, "repairs/portal/quote.html", context, status=status)


@require_GET
@portal_page
def portal_quote(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    quote, expired = _quote_or_404(request, token, pk)
    return expired or _quote_page(request, token, quote)


@require_POST
@portal_page
def portal_quote_approve(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    quote, expired = _quote_or_404(request, token, pk)
    if expired:
        return expired
    with translation.override(_language(request, quote)):
        try:
            quotes.quote_approve(tenant=request.tenant, quote=quote, customer=quote.customer)
        except ValidationError as error:
            return _refused(request, token, quote, error)
    return redirect("portal_quote", token=token, pk=pk)


@require_POST
@portal_page
def portal_quote_decline(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    quote, expired = _quote_or_404(request, token, pk)
    if expired:
        return expired
    with translation.override(_language(request, quote)):
        form = QuoteDeclineForm(request.POST)
        if not form.is_valid():
            return _quote_page(request, token, quote, form=form, status=400)
        try:
            quotes.quote_decline(
                tenant=request.tenant,
                quote=quote,
                customer=quote.customer,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            return _refused(request, token, quote, error, form)
    return redirect("portal_quote", token=token, pk=pk)


def _refused(request, token, quote, error: ValidationError, form=None) -> HttpResponse:
    """409 when the quote was decided already (nothing changed), 400 for bad input."""
    status = 409 if getattr(error, "code", None) == "decided" else 400
    quote.refresh_from_db()
    return _quote_page(
        request, token, quote, form=form, error=" ".join(error.messages), status=status
    )
