"""URLs of the background imports (included under ``imports/``, namespace ``imports``)."""

from django.urls import path

from repairs import import_views as views

app_name = "imports"

urlpatterns = [
    path("units/", views.import_upload, {"what": "units"}, name="units"),
    path("parts/", views.import_upload, {"what": "parts"}, name="parts"),
    path("units/template.csv", views.import_template, {"what": "units"}, name="units_template"),
    path("parts/template.csv", views.import_template, {"what": "parts"}, name="parts_template"),
    path("jobs/<int:pk>/", views.import_job, name="job"),
    path("jobs/<int:pk>/status/", views.import_job_status, name="job_status"),
    path("jobs/<int:pk>/errors.csv", views.import_job_errors, name="job_errors"),
]
