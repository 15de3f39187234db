"""URLs of surveys and follow-ups, mounted at the root of the tenant host."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    # Public: the token is the key (no sign-in).
    path("survey/<str:token>/", views.survey_answer, name="answer"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path(
        "tickets/<int:number>/follow-ups/new/",
        views.follow_up_schedule,
        name="follow_up_schedule",
    ),
    path(
        "tickets/<int:number>/follow-ups/<int:pk>/log/",
        views.follow_up_log,
        name="follow_up_log",
    ),
    path("settings/surveys/", views.survey_settings, name="settings"),
]
