"""DynamoDB's failures in the domain's words, shared by every adapter that talks to the table.

Both kinds of botocore failure are translated: a `ClientError` (DynamoDB answered with an error) and a
`BotoCoreError` (it did not answer: read timeout, connection refused, endpoint unreachable). Either becomes an
`AdapterError` (503 with Retry-After on the API; a retried record in the pipeline), never an unhandled 500.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from mentionwatch.exceptions import AdapterError, Throttled

THROTTLING_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
CONDITION_FAILED = "ConditionalCheckFailedException"
DYNAMODB_ERRORS = (ClientError, BotoCoreError)
"""What an adapter catches around a DynamoDB call: `except DYNAMODB_ERRORS as err: raise translate(err, ...)`."""


def error_code(err: ClientError | BotoCoreError) -> str:
    """DynamoDB's error code, or "" when it never answered."""
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""


def translate(err: ClientError | BotoCoreError, action: str) -> AdapterError:
    """Throttling → `Throttled`; no answer → `AdapterError` naming the failure; anything else → `AdapterError`
    naming the action and the code."""
    if isinstance(err, BotoCoreError):
        return AdapterError(f"DynamoDB {action} did not answer: {type(err).__name__}")
    code = error_code(err)
    if code in THROTTLING_CODES:
        return Throttled(f"DynamoDB throttled {action}")
    return AdapterError(f"DynamoDB {action} failed: {code}")
