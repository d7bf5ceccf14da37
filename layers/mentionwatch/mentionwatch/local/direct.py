"""A DynamoDB client for `mentionwatch replay` that hands each request to moto's DynamoDB handler as it is.

Through boto3, every call of a replay is serialized to DynamoDB's JSON wire format, signed, wrapped in an HTTP
request, taken apart again by moto, answered, serialized and parsed back: about 85% of a replay's CPU, for about
seven calls a delivery. `DirectDynamoDB` skips the wire: it gives moto's handler the call's parameters (the shapes
moto's own parser produces from the wire) and returns its answer as botocore would, a dict with
`ResponseMetadata`, or raises botocore's `ClientError` with DynamoDB's error code and fields. moto's handler and
models still check and answer everything (conditions, keys, item sizes, expressions), so the table behaves as it
does under the tests; what is skipped is botocore's own parameter validation, which the test suite keeps (it runs
every adapter through boto3).

Only the operations the stores call are offered; anything else fails loudly (AttributeError).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

OPERATIONS = frozenset(
    {
        "batch_get_item",
        "batch_write_item",
        "delete_item",
        "get_item",
        "put_item",
        "query",
        "scan",
        "transact_get_items",
        "transact_write_items",
        "update_item",
    }
)


def _plain(value: Any) -> Any:
    """A copy of a request or answer (dicts, lists, strings, bytes, numbers): moto keeps and changes what it is given,
    and the caller keeps what it gets."""
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(inner) for inner in value]
    return value


class DirectDynamoDB:
    def __init__(self, region: str = "us-east-1", account: str | None = None) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID  # type: ignore[attr-defined]

        self._region = region
        self._account = account or DEFAULT_ACCOUNT_ID

    def __getattr__(self, name: str) -> Callable[..., dict[str, Any]]:
        if name not in OPERATIONS:
            raise AttributeError(f"DirectDynamoDB does not offer {name!r}; use a boto3 client for it")

        def operation(**params: Any) -> dict[str, Any]:
            return self._call(name, params)

        operation.__name__ = name
        return operation

    def _call(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import ClientError
        from moto.core.exceptions import JsonRESTError
        from moto.core.responses import ActionResult
        from moto.dynamodb.responses import DynamoHandler

        handler = DynamoHandler()
        handler.current_account = self._account
        handler.region = self._region
        handler.params = handler.body = _plain(params)
        handler.headers = {}
        operation_name = "".join(part.title() for part in name.split("_"))
        try:
            answer = getattr(handler, name)()
        except JsonRESTError as err:
            body = json.loads(err.get_body())
            code = str(body.pop("__type", err.error_type)).split("#")[-1]
            message = body.pop("message", None) or body.pop("Message", None) or err.message
            response = {
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": err.code},
                **body,
            }
            raise ClientError(response, operation_name) from None
        result: dict[str, Any]
        if isinstance(answer, ActionResult):
            result = answer.result if isinstance(answer.result, dict) else {}
        elif isinstance(answer, str):
            result = json.loads(answer) if answer else {}
        else:  # (status, headers, body)
            result = json.loads(answer[-1]) if answer[-1] else {}
        result = dict(_plain(result))
        result["ResponseMetadata"] = {"RequestId": uuid.uuid4().hex, "HTTPStatusCode": 200, "RetryAttempts": 0}
        return result
