"""Report pages, mounted at ``/reports/``."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.live, name="live"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/settings/", views.assessment_settings, name="assessment_settings"),
    path("quality/", views.quality_list, name="quality"),
    path("quality/rubric/", views.quality_rubric, name="quality_rubric"),
    path("quality/tickets/<int:number>/", views.quality_check, name="quality_check"),
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/notes/", views.feedback_note, name="feedback_note"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
