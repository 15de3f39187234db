"""Ids in the OpenAPI schema say what the API accepts: a positive number that fits the
database's 64-bit key, so a client (or schemathesis, ST202) knows 0 and -1 are not ids."""

import json

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

BIGINT_MAX = 2**63 - 1


def schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def integer_ids(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    yield f"{method} {path} {parameter['name']}", parameter["schema"]
    for name, component in document["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            is_id = field == "id" or field.endswith("_id")
            if is_id and spec.get("type") == "integer":
                yield f"{name}.{field}", spec


def test_it_bounds_every_integer_id_in_the_schema():
    found = list(integer_ids(schema()))
    unbounded = [
        where
        for where, spec in found
        if spec.get("minimum") != 1 or spec.get("maximum") != BIGINT_MAX
    ]
    assert unbounded == []
    assert len(found) > 20
