from django.urls import path

from . import views

app_name = "sla"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("preview/", views.preview, name="preview"),
    path("rules/", views.rules_edit, name="rules"),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:pk>/", views.policy_edit, name="policy"),
    path("calendars/new/", views.calendar_edit, name="calendar_new"),
    path("calendars/<int:pk>/", views.calendar_edit, name="calendar"),
    path("calendars/<int:pk>/holidays/", views.holiday_add, name="holiday_add"),
    path("calendars/<int:pk>/holidays/load/", views.holidays_load, name="holidays_load"),
    path(
        "calendars/<int:pk>/holidays/<int:holiday_pk>/delete/",
        views.holiday_delete,
        name="holiday_delete",
    ),
]
