"""The customer's portal: a visit's window, a repair's stages (mounted at ``support/``)."""

urlpatterns: list = []
