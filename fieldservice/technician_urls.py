"""Technician pages, made for a phone: today's jobs and each job (mounted at ``field/``)."""

urlpatterns: list = []
