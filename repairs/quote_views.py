"""Agent pages of quotes (send, withdraw; the panel itself is ``{% ticket_quote_panel %}``) and
the tenant's repair rates. Thin: the services in ``repairs.quotes`` do the work."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role
from helpdesk.platform.view_helpers import in_tenant_time_zone, service_error_into_form
from repairs import quotes
from repairs.costing import repair_settings_for
from repairs.quote_forms import QuoteSendForm, RepairSettingsForm
from repairs.quote_selectors import quote_panel_for_ticket
from tickets.selectors import ticket_get_for_member


def _ticket_page(ticket) -> str:
    return reverse("ticket_detail", kwargs={"number": ticket.number}) + "#quote-panel"


@member_required()
@require_http_methods(["GET", "POST"])
@in_tenant_time_zone
def quote_send(request: HttpRequest, number: int) -> HttpResponse:
    """The form is on the ticket page; this page shows it again with the errors (or on its own
    without the ticket page around it)."""
    ticket = ticket_get_for_member(member=request.membership, number=number)
    form = QuoteSendForm(request.POST or None, auto_id="id_quote_%s")
    if request.method == "POST" and form.is_valid():
        try:
            quote = quotes.quote_send(
                tenant=request.tenant, actor=request.membership, ticket=ticket, **form.cleaned_data
            )
        except quotes.NothingToCharge as nothing:
            messages.info(request, " ".join(nothing.messages))
            return redirect(_ticket_page(ticket))
        except ValidationError as error:
            service_error_into_form(form, error)
        else:
            messages.success(
                request,
                _("Quote sent: %(currency)s %(total)s. The ticket waits for the customer.")
                % {"currency": quote.currency, "total": quote.total},
            )
            return redirect(_ticket_page(ticket))
    context = {"ticket": ticket, "form": form, "panel": quote_panel_for_ticket(ticket=ticket)}
    status = 400 if request.method == "POST" else 200
    return render(request, "repairs/quote_send.html", context, status=status)


@member_required()
@require_POST
def quote_withdraw(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_get_for_member(member=request.membership, number=number)
    waiting = ticket.quotes.filter(status="sent").first()
    if waiting is None:
        messages.error(request, _("No quote of this ticket is waiting for the customer."))
        return redirect(_ticket_page(ticket))
    try:
        quotes.quote_withdraw(tenant=request.tenant, actor=request.membership, quote=waiting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Quote withdrawn; the ticket is open again."))
    return redirect(_ticket_page(ticket))


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def repair_settings(request: HttpRequest) -> HttpResponse:
    current = repair_settings_for(request.tenant.pk)
    form = RepairSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in RepairSettingsForm.Meta.fields}
        quotes.repair_settings_update(
            tenant=request.tenant, actor=request.membership, settings=current, values=values
        )
        messages.success(request, _("Repair rates saved."))
        return redirect("repair_settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "repairs/settings.html", {"form": form}, status=status)
