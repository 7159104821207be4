"""intake's OpenAPI 3.1 description lists exactly the routes it serves, each with an example body,
its error responses and its security scheme."""

from __future__ import annotations

from typing import Any

from services.intake import openapi
from services.intake.handlers import IntakeHandlers
from services.intake.settings import IntakeSettings


def _handlers() -> IntakeHandlers:
    return IntakeHandlers(publisher=None, db=None, settings=IntakeSettings())  # type: ignore[arg-type]


def test_the_description_lists_exactly_the_routes() -> None:
    served = {
        (route.path, method) for route in _handlers().routes() for method in route.methods or () if method != "HEAD"
    }
    described = {(path, method.upper()) for path, item in openapi.spec()["paths"].items() for method in item}
    assert described == served


def test_every_operation_has_an_example_errors_and_resolvable_refs() -> None:
    spec = openapi.spec()
    assert spec["openapi"].startswith("3.1")
    schemas = spec["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    for ref in refs(spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if "requestBody" in op:
                for content in op["requestBody"]["content"].values():
                    assert content["example"], (path, method)
            for scheme in (name for req in op.get("security", []) for name in req):
                assert scheme in spec["components"]["securitySchemes"]
            if method == "post":
                assert any(status.startswith("4") for status in op["responses"]), (path, method)
    assert schemas["WebForm"]["properties"]["body"]["maxLength"] == 10_000  # from the pydantic model
