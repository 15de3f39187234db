"""URLs of the bare base domain: the landing page with tenant sign-up, and health."""

from django.urls import include, path

from helpdesk import views

urlpatterns = [
    path("", views.platform_landing, name="platform_landing"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
]

handler400 = "helpdesk.platform.api_errors.bad_request"
handler500 = "helpdesk.platform.server_errors.server_error"
