"""The schema class of every API view (``DEFAULT_SCHEMA_CLASS``)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Every operation documents the errors any API view may answer, unless the view documented
    them itself: 401, 404 and 429 always; 400 when it reads query parameters or a body (a bad
    filter value, a malformed id, a refused change); 413 when it reads a body."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._default_errors().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        return responses

    def _default_errors(self) -> dict:
        # Imported here: api_errors imports the API views' module, which needs this class.
        from helpdesk.platform.api_errors import READ_ERRORS, VALIDATION_ERROR, WRITE_ERRORS

        errors = dict(READ_ERRORS)
        reads_body = self.method in ("POST", "PUT", "PATCH")
        reads_query = any(p["in"] == "query" for p in self._get_parameters())
        if reads_body or reads_query or self._is_list_view():
            errors[400] = VALIDATION_ERROR
        if reads_body:
            errors[413] = WRITE_ERRORS[413]
        return errors


# Ids are the database's 64-bit keys (BigAutoField), never 0 or negative.
ID_BOUNDS = {"minimum": 1, "maximum": 2**63 - 1}


def bound_ids(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: every integer path parameter (ids and ticket numbers) and every
    integer ``id`` / ``…_id`` property gets ``ID_BOUNDS``, so clients and schema-driven tests
    know which numbers are ids at all."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    _bound(parameter.get("schema", {}))
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, spec in component.get("properties", {}).items():
            if name == "id" or name.endswith("_id"):
                _bound(spec)
    return result


def _bound(spec: dict) -> None:
    if spec.get("type") == "integer":
        spec.update(ID_BOUNDS)
