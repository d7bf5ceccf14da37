"""End to end on the local stack: a signed urgent delivery pages with a link, and GET /ack/{token} acknowledges it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from mentionwatch import aws
from mentionwatch.local.stack import LocalStack
from tests.support import ROOT, drain_queue, standard_webhook_headers, subscribe_queue

pytestmark = pytest.mark.e2e


@pytest.fixture
def restored_environ() -> Iterator[None]:
    """The local stack exports every function's environment into this process; later tests must not see it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_an_urgent_delivery_pages_and_its_link_acknowledges_it(restored_environ):
    with LocalStack(ROOT, parameter_overrides={"PublicBaseUrl": "http://127.0.0.1:3000"}) as stack:
        # Given the local stack with an inbox on the alerts topic for the social team's on-call route
        inbox = subscribe_queue(
            aws.client("sns"),
            aws.client("sqs"),
            stack.physical("AlertsTopic"),
            "oncall",
            {"team": ["safety"], "route": ["oncall"]},
        )
        body = json.dumps(
            {
                "type": "mention.created",
                "data": {
                    "id": "e2e-1",
                    "text": "The heater caught fire and my son was injured, this is dangerous!",
                    "created_at": "2026-11-23T09:00:00Z",
                    "author": {"handle": "dana", "followers": 120},
                    "brand": "acme",
                },
            }
        ).encode()

        # When the delivery is processed and the SMS link is opened twice
        status, _, _ = stack.http_request("POST", "/webhooks/standard", standard_webhook_headers(body), body)
        assert status == 202
        stack.drain()
        (message,) = drain_queue(aws.client("sqs"), inbox)
        sms = json.loads(json.loads(message["Body"])["Message"])["sms"]
        link = sms.split(" ")[-1]
        assert link.startswith("http://127.0.0.1:3000/ack/")
        path = link.removeprefix("http://127.0.0.1:3000")
        first = stack.http_request("GET", path + "?by=sam", {}, b"")
        second = stack.http_request("GET", path, {}, b"")

        # Then the first acknowledges, the second shows the same acknowledgement
        assert first[0] == 200 and b"Acknowledged by sam" in first[2]
        assert second[0] == 200 and b"Already acknowledged" in second[2] and b"sam" in second[2]
        assert stack.errors == []
