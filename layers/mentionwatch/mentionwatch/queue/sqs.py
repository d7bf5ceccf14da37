"""SQS adapter: sends queued mentions in batches of ten; a partial failure is retried, then reported.

Each message carries the sender's correlation id (the webhook's API request id, the poll's invocation id) in the
`correlation_id` message attribute, so the process function's log lines can be tied to the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic_core import PydanticSerializationError

from mentionwatch.exceptions import EnqueueFailed
from mentionwatch.sources.base import QueuedMention
from mentionwatch.sources.payloads import replace_lone_surrogates

SQS_BATCH = 10
MAX_MESSAGE_BYTES = 256 * 1024
ATTEMPTS = 3
CORRELATION_ATTRIBUTE = "correlation_id"


class MentionQueue:
    def __init__(self, client: Any, queue_url: str, correlation_id: Callable[[], str | None] = lambda: None) -> None:
        self._client = client
        self._queue_url = queue_url
        self._correlation_id = correlation_id  # read at each send: one adapter serves many requests

    def enqueue(self, items: Sequence[QueuedMention]) -> int:
        """Send every item or raise `EnqueueFailed`; the caller then answers 5xx so the platform redelivers."""
        bodies = [self._body(item) for item in items]
        correlation = self._correlation_id()
        traced = {CORRELATION_ATTRIBUTE: {"DataType": "String", "StringValue": correlation}} if correlation else {}
        for start in range(0, len(bodies), SQS_BATCH):
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": body,
                    "MessageAttributes": {
                        "source": {"DataType": "String", "StringValue": items[start + index].source},
                        "mention_id": {"DataType": "String", "StringValue": items[start + index].mention.id},
                        **traced,
                    },
                }
                for index, body in enumerate(bodies[start : start + SQS_BATCH])
            ]
            self._send(entries)
        return len(bodies)

    def _send(self, entries: list[dict[str, Any]]) -> None:
        for _ in range(ATTEMPTS):
            try:
                response = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except ClientError as err:
                raise EnqueueFailed(f"SQS send failed: {err.response.get('Error', {}).get('Code', '')}") from err
            except BotoCoreError as err:  # unreachable, timed out: the caller answers 503 and is redelivered
                raise EnqueueFailed(f"SQS unreachable: {type(err).__name__}") from err
            failed = {failure["Id"] for failure in response.get("Failed", []) if not failure.get("SenderFault")}
            sender_faults = [failure for failure in response.get("Failed", []) if failure.get("SenderFault")]
            if sender_faults:
                raise EnqueueFailed(f"SQS rejected {len(sender_faults)} messages: {sender_faults[0].get('Code')}")
            entries = [entry for entry in entries if entry["Id"] in failed]
            if not entries:
                return
        raise EnqueueFailed(f"SQS did not accept {len(entries)} messages after {ATTEMPTS} attempts")

    @staticmethod
    def _body(item: QueuedMention) -> str:
        try:
            body = item.model_dump_json()
        except PydanticSerializationError:  # a lone surrogate (e.g. from a poller's JSON): U+FFFD, as load_json does
            item = QueuedMention.model_validate(replace_lone_surrogates(item.model_dump()))
            body = item.model_dump_json()
        if len(body.encode()) > MAX_MESSAGE_BYTES - 1024:
            # The raw payload is only kept for reference; the mention itself must travel.
            digest = hashlib.sha256(body.encode()).hexdigest()
            item = item.model_copy(update={"raw": {"truncated": True, "sha256": digest}})
            body = item.model_dump_json()
        return body
