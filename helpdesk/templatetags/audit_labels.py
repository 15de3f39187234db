"""Audit rows as a reader sees them: the automatic actors in the reader's language."""

from django import template

from helpdesk.audit import actor_display

register = template.Library()
register.filter("actor_display", actor_display)
