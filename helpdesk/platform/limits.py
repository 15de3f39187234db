"""Sizes the whole project agrees on."""

# The longest free text a form or the API accepts (a ticket description, a message, notes).
TEXT_MAX_LENGTH = 50_000
