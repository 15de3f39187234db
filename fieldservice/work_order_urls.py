"""Work orders on the agent side: list, detail, creation from a ticket (at ``work-orders/``)."""

urlpatterns: list = []
