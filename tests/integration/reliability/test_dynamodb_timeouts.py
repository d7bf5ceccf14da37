"""DynamoDB that does not answer (read timeout, unreachable endpoint) on the kept-deliveries and responses
adapters: the domain's `AdapterError` (503 with Retry-After on HTTP, exit 3 on the CLI), never a raw botocore
exception, a 500 or a traceback."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from mentionwatch import aws
from mentionwatch.cli import EXIT_UNAVAILABLE, main
from mentionwatch.exceptions import AdapterError
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.pipeline.kept import KeptDelivery
from mentionwatch.responses.dynamodb import ResponsesStore
from mentionwatch.store.kept_dynamodb import DynamoDbKeptDeliveries
from tests.integration.test_platform_fidelity_moto import _event, mastodon_headers
from tests.support import load_handler

FAILURES = [ReadTimeoutError(endpoint_url="http://dynamodb"), EndpointConnectionError(endpoint_url="http://dynamodb")]


@pytest.fixture
def silent_dynamodb(table: str) -> Iterator[Callable[[Exception], None]]:
    """Make every later DynamoDB call of the shared client fail with `failure` before it is sent."""
    events = aws.client("dynamodb").meta.events
    registered = False

    def stop_answering(failure: Exception) -> None:
        nonlocal registered

        def no_answer(**_: Any) -> None:
            raise failure

        events.register_first("before-send.dynamodb.*", no_answer, unique_id="dynamodb-silent")
        registered = True

    yield stop_answering
    if registered:
        events.unregister("before-send.dynamodb.*", unique_id="dynamodb-silent")


def _kept() -> KeptDelivery:
    return KeptDelivery(
        id="20261123T150000-abc123",
        source="mastodon",
        reason="not a status",
        received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
        body=b"{}",
        expiration=1_900_000_000,
    )


KEPT_CALLS: dict[str, Callable[[DynamoDbKeptDeliveries], object]] = {
    "keep": lambda store: store.keep(_kept()),
    "get": lambda store: store.get("20261123T150000-abc123"),
    "recent": lambda store: store.recent(),
    "forget": lambda store: store.forget("20261123T150000-abc123"),
}
RESPONSES_CALLS: dict[str, Callable[[ResponsesStore], object]] = {
    "get_brand_post": lambda store: store.get_brand_post("x:1"),
    "get_reply": lambda store: store.get_reply("x:1", "key-1"),
    "link_reply_post": lambda store: store.link_reply_post("x:2", "x:1", ResponseKind.PUBLIC_REPLY),
    "reply_target": lambda store: store.reply_target("x:2"),
}


@pytest.mark.parametrize("failure", FAILURES, ids=type)
@pytest.mark.parametrize("call", KEPT_CALLS, ids=str)
def test_kept_deliveries_translate_a_dynamodb_that_does_not_answer(table, silent_dynamodb, call, failure):
    store = DynamoDbKeptDeliveries(aws.client("dynamodb"), table)
    silent_dynamodb(failure)

    with pytest.raises(AdapterError, match="did not answer") as raised:
        KEPT_CALLS[call](store)

    assert raised.value.status == 503


@pytest.mark.parametrize("failure", FAILURES, ids=type)
@pytest.mark.parametrize("call", RESPONSES_CALLS, ids=str)
def test_the_responses_store_translates_a_dynamodb_that_does_not_answer(table, silent_dynamodb, call, failure):
    store = ResponsesStore(aws.client("dynamodb"), table)
    silent_dynamodb(failure)

    with pytest.raises(AdapterError, match="did not answer"):
        RESPONSES_CALLS[call](store)


def test_a_refused_delivery_that_cannot_be_kept_is_a_503_so_the_platform_retries(
    deployed, silent_dynamodb, lambda_context
):
    # Given a signed Mastodon delivery the parser refuses (an admin's payload template), and DynamoDB timing out
    webhook = load_handler("webhook")
    body = json.dumps({"text": "New post by @acme: my order never arrived"}).encode()
    silent_dynamodb(ReadTimeoutError(endpoint_url="http://dynamodb"))

    # When it is delivered
    response = webhook.lambda_handler(_event("mastodon", body, mastodon_headers(body)), lambda_context)

    # Then it is not answered 2xx (it was not kept) but 503 with Retry-After: the platform delivers it again
    assert response["statusCode"] == 503, response["body"]
    assert json.loads(response["body"])["error"]["code"] == "dependency_unavailable"
    assert int(response["headers"]["Retry-After"]) > 0


def test_kept_list_when_dynamodb_does_not_answer_exits_3_with_one_line(deployed, silent_dynamodb):
    silent_dynamodb(ReadTimeoutError(endpoint_url="http://dynamodb"))
    out, err = io.StringIO(), io.StringIO()

    code = main(["kept", "list"], out, err)

    assert code == EXIT_UNAVAILABLE
    assert out.getvalue() == ""
    assert err.getvalue().startswith("mentionwatch kept: DynamoDB query did not answer: ReadTimeoutError")
    assert err.getvalue().count("\n") == 1
