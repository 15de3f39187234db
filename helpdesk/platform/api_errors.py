"""The API's exception handler: every error is JSON, bad input is a 4xx naming the field.

Services raise Django's ``ValidationError`` (``tickets.services.TransitionError`` is one);
DRF alone would let it through as a 500. Oversized or malformed bodies that Django rejects
(``RequestDataTooBig``, too many fields or files) become 413 / 400 instead of an HTML page.
"""

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


# A service error without a field: the field it concerns, by the error's class name.
FIELD_OF_ERROR = {"TransitionError": "status"}


def validation_detail(error: DjangoValidationError, *, field: str | None = None) -> dict:
    """``{"field": ["message", …]}`` from a Django ``ValidationError``."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name): messages
            for name, messages in error.message_dict.items()
        }
    name = field or FIELD_OF_ERROR.get(type(error).__name__, api_settings.NON_FIELD_ERRORS_KEY)
    return {name: error.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(unreadable_request_text(exc))
    return drf_exception_handler(exc, context)


def unreadable_request_text(exc: SuspiciousOperation) -> str:
    """What was wrong with a body Django refused to parse, for the sender."""
    if isinstance(exc, TooManyFilesSent):
        return _("Too many files: send at most %(count)s at once. Nothing was saved.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exc, TooManyFieldsSent):
        return _("Too many form fields were sent. Nothing was saved.")
    return _("The request could not be read.")


# --- the error shapes, for the OpenAPI schema --------------------------------------------------

FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Each offending field (or `non_field_errors`) with its messages.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "description": "A list field's errors, by the position of the bad item.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ]
    },
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def _detail(description: str, example: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=DETAIL_SCHEMA,
        description=description,
        examples=[OpenApiExample(description, value={"detail": example})],
    )


VALIDATION_ERROR = OpenApiResponse(
    response={"anyOf": [FIELD_ERRORS_SCHEMA, DETAIL_SCHEMA]},
    description="Invalid input: a wrong type, an unknown id, a refused change (each field "
    "named), or a body that is not JSON (`detail`).",
    examples=[
        OpenApiExample(
            "Unknown id", value={"category": ['Invalid pk "999" - object does not exist.']}
        ),
        OpenApiExample(
            "Illegal status change", value={"status": ["A ticket cannot go from Closed to Open."]}
        ),
    ],
)
READ_ERRORS = {
    401: _detail("No or invalid credentials", "Authentication credentials were not provided."),
    404: _detail("No such object in this tenant (or not visible to you)", "Not found."),
    429: _detail("Too many requests; see the Retry-After header", "Request was throttled."),
}
WRITE_ERRORS = {
    400: VALIDATION_ERROR,
    **READ_ERRORS,
    413: _detail("The request body is too large", "The request body is too large."),
}
IDEMPOTENT_CREATE_ERRORS = {
    **WRITE_ERRORS,
    409: OpenApiResponse(
        response=FIELD_ERRORS_SCHEMA,
        description="A request with this Idempotency-Key is still being processed.",
    ),
    422: OpenApiResponse(
        response=FIELD_ERRORS_SCHEMA,
        description="The Idempotency-Key was already used with another request body.",
        examples=[
            OpenApiExample(
                "Key reused",
                value={
                    "Idempotency-Key": [
                        "This Idempotency-Key was already used for a different request."
                    ]
                },
            )
        ],
    ),
}


def page_not_found(request, exception):
    """``handler404``: under ``/api/`` a URL no route matches (a malformed id) is JSON too."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found as html_page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return html_page_not_found(request, exception)


def bad_request(request, exception):
    """``handler400``: a body Django refused to parse (too large, too many files) gets a page
    that says so, 413 for a size over the limit; under ``/api/`` JSON like every API error.
    Nothing of such a request was saved: the view never saw its data."""
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.template.defaultfilters import filesizeformat

    if isinstance(exception, RequestDataTooBig):
        status = 413
        text = _(
            "What you sent is larger than %(limit)s, so it was not read and nothing was saved. "
            "Shorten the text and send it again."
        ) % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    else:
        status, text = 400, unreadable_request_text(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=status)
    return render(request, "400.html", {"problem": text}, status=status)
