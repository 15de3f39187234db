"""Settings pages of triggers and time-based automations (mounted at ``settings/rules/``);
``kind`` is ``triggers`` or ``automations``."""

from django.urls import path

from automations import views

app_name = "automations"

urlpatterns = [
    path("<str:kind>/", views.rule_list, name="list"),
    path("<str:kind>/new/", views.rule_edit, name="new"),
    path("<str:kind>/reorder/", views.rule_reorder, name="reorder"),
    path("<str:kind>/<int:pk>/", views.rule_edit, name="edit"),
    path("<str:kind>/<int:pk>/switch/", views.rule_switch, name="switch"),
    path("<str:kind>/<int:pk>/copy/", views.rule_copy, name="copy"),
    path("<str:kind>/<int:pk>/delete/", views.rule_delete, name="delete"),
]
