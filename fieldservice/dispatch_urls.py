"""Dispatch: the board, proposals and technicians' calendar feeds (mounted at ``dispatch/``)."""

urlpatterns: list = []
