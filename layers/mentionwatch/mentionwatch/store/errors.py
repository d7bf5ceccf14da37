"""DynamoDB's `ClientError`s in the domain's words, shared by every adapter that talks to the table."""

from __future__ import annotations

from botocore.exceptions import ClientError

from mentionwatch.exceptions import AdapterError, Throttled

THROTTLING_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
CONDITION_FAILED = "ConditionalCheckFailedException"


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def translate(err: ClientError, action: str) -> AdapterError:
    """Throttling → `Throttled`; anything else → `AdapterError` naming the action and the code."""
    code = error_code(err)
    if code in THROTTLING_CODES:
        return Throttled(f"DynamoDB throttled {action}")
    return AdapterError(f"DynamoDB {action} failed: {code}")
