"""URLs of a tenant's host (``<slug>.<base domain>``)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from automations.api import api_routes as automation_api_routes
from customers.api import api_routes as customer_api_routes
from fieldservice.api import api_routes as fieldservice_api_routes
from helpdesk import api, oidc_views, saml_views, two_factor_views, views, webhook_views
from helpdesk.auth import member_required
from helpdesk.forms import TenantLoginForm
from knowledge.api import api_routes as knowledge_api_routes
from products import contract_urls
from products.api import api_routes as product_api_routes
from repairs.api import api_routes as repairs_api_routes
from reports import api as reports_api
from sla.api import api_routes as sla_api_routes
from surveys.api import api_routes as survey_api_routes
from tickets import customer_views, search_views
from tickets.api import api_routes as ticket_api_routes
from tickets.urls import notification_patterns

router = DefaultRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("skills", api.SkillViewSet, basename="skill")
for prefix, viewset, basename in (
    *ticket_api_routes,
    *customer_api_routes,
    *sla_api_routes,
    *survey_api_routes,
    *knowledge_api_routes,
    *repairs_api_routes,
    *product_api_routes,
    *fieldservice_api_routes,
    *automation_api_routes,
):
    router.register(prefix, viewset, basename=basename)

account_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=TenantLoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        member_required()(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/change/done/",
        member_required()(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("password/reset/", views.TenantPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("tenants/", views.tenant_list, name="tenant_list"),
    path("switch/", views.tenant_switch, name="tenant_switch"),
    path("switch/accept/", views.tenant_switch_accept, name="tenant_switch_accept"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("settings/", views.settings_overview, name="settings"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/privacy/", views.privacy_settings, name="privacy_settings"),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("settings/sla/", include("sla.urls")),
    path("imports/", include("repairs.import_urls")),
    path(
        "settings/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"
    ),
    path("tickets/", include("tickets.urls")),
    path("search/", search_views.search, name="search"),
    path("notifications/", include(notification_patterns)),
    path("", include("surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/me/", api.MeView.as_view(), name="api_me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("knowledge.urls")),
    path("customers/<int:pk>/", customer_views.customer_detail, name="customer_detail"),
    path("customers/", include("customers.urls")),
    path("support/", include("tickets.portal_urls")),
    path("", include("repairs.urls")),
]

# Repair cost and quotes: the ticket page's quote pages, the rates, the customer's quote page.
urlpatterns += [
    path("", include("repairs.quote_urls")),
    path("support/", include("repairs.portal_quote_urls")),
]

# Webhooks (tenant admins) and the bare authenticated API endpoint.
urlpatterns += [
    path("settings/webhooks/", webhook_views.webhooks, name="webhooks"),
    path("settings/webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook_detail"),
    path(
        "settings/webhooks/<int:pk>/disable/",
        webhook_views.webhook_disable,
        name="webhook_disable",
    ),
    path("settings/webhooks/<int:pk>/enable/", webhook_views.webhook_enable, name="webhook_enable"),
    path("settings/webhooks/<int:pk>/delete/", webhook_views.webhook_delete, name="webhook_delete"),
    path(
        "settings/webhooks/<int:pk>/rotate-secret/",
        webhook_views.webhook_rotate_secret,
        name="webhook_rotate_secret",
    ),
    path("api/v1/ping/", api.PingView.as_view(), name="api_ping"),
]

handler400 = "helpdesk.platform.api_errors.bad_request"
handler404 = "helpdesk.platform.api_errors.page_not_found"
handler500 = "helpdesk.platform.server_errors.server_error"

# Major incidents, playbooks, surge alerts, backlog catch-up (tickets/incident_*.py).
urlpatterns += [path("incidents/", include("tickets.incidents.urls"))]

# Reports: KPI dashboard, assessments, quality spot checks, feedback report (reports/).
urlpatterns += [
    path("reports/", include("reports.urls")),
    path("api/v1/reports/kpis/", reports_api.KpiView.as_view(), name="api_report_kpis"),
]

# Account security: the second factor (helpdesk/two_factor*.py) and the tenant's sign-in policy.
urlpatterns += [
    path(
        "accounts/two-factor/",
        two_factor_views.two_factor_overview,
        name="two_factor_overview",
    ),
    path(
        "accounts/two-factor/verify/",
        two_factor_views.two_factor_verify_view,
        name="two_factor_verify",
    ),
    path(
        "accounts/two-factor/enrol/",
        two_factor_views.two_factor_enrol_view,
        name="two_factor_enrol",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor_views.two_factor_recovery_codes_view,
        name="two_factor_recovery_codes",
    ),
    path(
        "accounts/two-factor/disable/",
        two_factor_views.two_factor_disable_view,
        name="two_factor_disable",
    ),
    path("settings/security/", two_factor_views.security_settings, name="security_settings"),
]

# Single sign-on through the tenant's OpenID Connect provider (helpdesk/oidc*.py).
urlpatterns += [
    path("accounts/oidc/start/", oidc_views.oidc_start, name="oidc_start"),
    path("accounts/oidc/callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path("settings/security/sso/", oidc_views.sso_settings, name="sso_settings"),
]

# The catalogue and installed base (products/), and the unit page with its history (repairs/).
urlpatterns += [path("", include("products.urls")), path("", include("repairs.unit_urls"))]
# Service plans and contracts (products/contract_*.py).
urlpatterns += [
    path("service-plans/", include(contract_urls.plan_patterns)),
    path("service-contracts/", include(contract_urls.contract_patterns)),
]
# Single sign-on through the tenant's SAML 2.0 identity provider (helpdesk/saml*.py).
urlpatterns += [
    path("sso/saml/metadata/", saml_views.saml_metadata, name="saml_metadata"),
    path("sso/saml/start/", saml_views.saml_start, name="saml_start"),
    path("sso/saml/acs/", saml_views.saml_acs, name="saml_acs"),
    path("settings/security/saml/", saml_views.saml_settings, name="saml_settings"),
]

# Field service (fieldservice/): technicians' phone pages, dispatch, work orders, the portal.
urlpatterns += [
    path("field/", include("fieldservice.technician_urls")),
    path("dispatch/", include("fieldservice.dispatch_urls")),
    path("work-orders/", include("fieldservice.work_order_urls")),
    path("settings/field-service/", include("fieldservice.settings_urls")),
    path("settings/rules/", include("automations.urls")),
    path("support/", include("fieldservice.portal_urls")),
]
