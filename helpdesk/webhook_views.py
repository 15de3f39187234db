"""Settings pages for webhooks (tenant admins): subscribe, delivery log, disable, enable, delete."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.auth import member_required
from helpdesk.models import Role, WebhookSubscription
from helpdesk.webhook_subscriptions import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_rotate_secret,
    webhook_subscription_set_active,
)
from helpdesk.webhooks import EVENTS, signing_secrets

DELIVERY_LOG_LENGTH = 100


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=list(EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


def _subscription(pk: int) -> WebhookSubscription:
    """The request tenant's subscription (the scope is active), else 404."""
    return get_object_or_404(WebhookSubscription, pk=pk)


@member_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhook_subscription_create(
                tenant=request.tenant, actor=request.membership, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = WebhookForm()
    context = {
        "form": form,
        "created": created,
        "subscriptions": WebhookSubscription.objects.order_by("-created_at", "-pk"),
    }
    return render(request, "helpdesk/webhooks.html", context)


@member_required(Role.ADMIN)
@require_http_methods(["GET"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _subscription(pk))


@member_required(Role.ADMIN)
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    """Rendered, not redirected: the new secret is on this one answer and kept nowhere else
    (not in the session, not in a message)."""
    subscription = _subscription(pk)
    secret = webhook_subscription_rotate_secret(subscription=subscription, actor=request.membership)
    return _render_detail(request, subscription, new_secret=secret)


def _render_detail(  # nosec B107 - an empty new_secret means none was made
    request: HttpRequest, subscription: WebhookSubscription, new_secret: str = ""
) -> HttpResponse:
    deliveries = subscription.deliveries.order_by("-created_at", "-pk")[:DELIVERY_LOG_LENGTH]
    in_grace = len(signing_secrets(subscription, timezone.now())) > 1
    context = {
        "subscription": subscription,
        "deliveries": deliveries,
        "new_secret": new_secret,
        "grace_until": subscription.previous_secret_expires_at if in_grace else None,
    }
    response = render(request, "helpdesk/webhook_detail.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@member_required(Role.ADMIN)
@require_POST
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_subscription_set_active(
        subscription=_subscription(pk), active=False, actor=request.membership
    )
    messages.success(request, _("Webhook disabled."))
    return redirect("webhook_detail", pk=pk)


@member_required(Role.ADMIN)
@require_POST
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_subscription_set_active(
        subscription=_subscription(pk), active=True, actor=request.membership
    )
    messages.success(request, _("Webhook enabled."))
    return redirect("webhook_detail", pk=pk)


@member_required(Role.ADMIN)
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook_subscription_delete(subscription=_subscription(pk), actor=request.membership)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks")
