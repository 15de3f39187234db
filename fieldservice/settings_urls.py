"""Field-service settings and technicians (mounted at ``settings/field-service/``)."""

urlpatterns: list = []
