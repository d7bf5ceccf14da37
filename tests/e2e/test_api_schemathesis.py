"""Schemathesis against the local stack: generated requests for every documented operation, each answer checked
against the OpenAPI document (no 5xx, documented status codes and content types, bodies matching the schemas)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mentionwatch import aws
from mentionwatch.store.dynamodb import MentionStore
from tests.api_support import item
from tests.e2e.conftest import E2E_TOKEN

pytestmark = pytest.mark.e2e
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(stack):
    store = MentionStore(aws.client("dynamodb"), stack.physical("MentionsTable"))
    for number in range(3):
        store.put_new(item(str(number), number * 5, root_id="0" if number else None))
    return schemathesis.openapi.from_url(stack.url + "/openapi.json")


def test_every_operation_answers_as_documented(api_schema, stack):
    # Given every operation the served document declares
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.label for operation in operations} == {
        "GET /mentions",
        "GET /mentions/{id}",
        "PATCH /mentions/{id}",
        "POST /mentions/{id}/replies",
        "POST /mentions/{id}/replies/{key}/approve",
        "GET /stats",
        "GET /incidents",
        "GET /incidents/{id}",
    }
    for operation in operations:
        # When schemathesis sends generated requests to it, Then every answer conforms to the document
        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(base_url=stack.url, headers={"Authorization": f"Bearer {E2E_TOKEN}"}, checks=CHECKS)

        conforms()
