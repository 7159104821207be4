"""schemathesis against the running intake's own /openapi.json: a few hundred generated requests per
operation (ADUAN_SCHEMATHESIS_EXAMPLES), none answered ≥ 500, every answer in its documented shape
(problem+json, GeoReport's list on Open311)."""

from __future__ import annotations

import os
import socket

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aduan import stack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("ADUAN_SCHEMATHESIS_EXAMPLES", "200"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def intake_url(infra, database_url, topics):  # type: ignore[no-untyped-def]
    ports = {name: _free_port() for name in stack.DEFAULT_PORTS}
    local = stack.Stack(stack.Infra(infra.kafka, database_url), topic_prefix=topics.prefix, ports=ports)
    local.start(names=("intake",), timeout=90)
    try:
        yield local.url("intake")
    finally:
        local.stop(names=("intake",))


def test_generated_requests_never_get_a_server_error_and_match_the_description(intake_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{intake_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    # every operation but the description itself, which schemathesis leaves out when loading from it
    assert len(operations) == 15, " ".join(op.label for op in operations)
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=intake_url, timeout=30)
            case.validate_response(response, checks=CHECKS)

        check()
