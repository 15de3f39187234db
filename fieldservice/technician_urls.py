"""Technician pages, made for a phone: today's jobs and each job (mounted at ``field/``)."""

from django.urls import path

from fieldservice import technician_views as views

urlpatterns = [
    path("", views.technician_day, name="fieldservice_day"),
    path("jobs/<int:pk>/", views.job_detail, name="fieldservice_job"),
    path("jobs/<int:pk>/move/", views.job_move, name="fieldservice_job_move"),
    path("jobs/<int:pk>/notes/", views.job_notes, name="fieldservice_job_notes"),
    path("jobs/<int:pk>/parts/", views.job_part, name="fieldservice_job_part"),
    path("jobs/<int:pk>/photos/", views.job_photo, name="fieldservice_job_photo"),
    path(
        "jobs/<int:pk>/photos/<int:photo_pk>/",
        views.job_photo_file,
        name="fieldservice_job_photo_file",
    ),
    path("jobs/<int:pk>/signature/", views.job_sign, name="fieldservice_job_sign"),
    path(
        "jobs/<int:pk>/signature/image/",
        views.job_signature_file,
        name="fieldservice_job_signature",
    ),
    path("jobs/<int:pk>/complete/", views.job_complete, name="fieldservice_job_complete"),
]
