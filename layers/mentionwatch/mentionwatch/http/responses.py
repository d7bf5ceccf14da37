"""Every HTTP error shape in one place: domain exceptions become JSON problem responses on every resolver."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import BotoCoreError, ClientError

from mentionwatch.exceptions import AdapterError, MentionwatchError
from mentionwatch.http.apigw import screen_json_body

logger = Logger(child=True)


def problem_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


RETRY_AFTER_SECONDS = 5  # a dependency that timed out or throttled: long enough for a retry to find it back


def problem(error: MentionwatchError) -> Response[Any]:
    """`{"error": {"code", "message", "field"}}` with the exception's status. Messages never carry secrets.

    A 503 (a dependency unavailable, throttled or timed out) carries `Retry-After`, so clients and platforms
    back off and redeliver instead of treating it as final."""
    # A platform's own Retry-After (its rate limit) wins over the default for a dependency that is unavailable.
    headers: dict[str, str] | None = getattr(error, "headers", None)
    if headers is None and error.status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=problem_body(error.code, error.message, error.field),
        headers=headers,
    )


def problem_event(error: MentionwatchError) -> dict[str, Any]:
    """The same problem as an API Gateway proxy response, for errors found before the resolver runs."""
    response = problem(error)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **(response.headers or {})},
        "body": json.dumps(response.body),
        "isBase64Encoded": False,
    }


def resolve_screened(app: ApiGatewayResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`app.resolve`, after the JSON body passed `screen_json_body` (else its 400/415 problem)."""
    try:
        screened = screen_json_body(event)
    except MentionwatchError as error:
        logger.info("request rejected", extra={"code": error.code, "status": error.status, "field": error.field})
        return problem_event(error)
    return app.resolve(screened, context)


def validation_problem(error: RequestValidationError) -> Response[Any]:
    """Powertools' request validation (query, path, body) as a 400 naming the first offending field.

    The message is pydantic's description of the rule, never the rejected value.
    """
    details = error.errors()
    first = details[0] if details else {}
    location = [part for part in first.get("loc", ()) if isinstance(part, str)]
    field = location[-1] if location else "request"
    if first.get("type") == "json_invalid":
        field, message = "body", "body is not valid JSON"
    elif first.get("type") == "missing":
        message = f"{field} is required"
    else:
        message = f"{field}: {first.get('msg', 'invalid value')}"
    return Response(
        status_code=400,
        content_type=content_types.APPLICATION_JSON,
        body=problem_body("invalid_parameter", message, field),
    )


def install_error_handlers(app: ApiGatewayResolver) -> None:
    @app.exception_handler(MentionwatchError)
    def _domain_error(error: MentionwatchError) -> Response[Any]:
        if error.status >= 500:
            logger.exception("request failed", extra={"code": error.code})
        else:
            logger.info("request rejected", extra={"code": error.code, "status": error.status, "field": error.field})
        return problem(error)

    @app.exception_handler(BotoCoreError)
    def _dependency_silent(error: BotoCoreError) -> Response[Any]:
        """An AWS call that got no answer (timeout, unreachable endpoint) outside an adapter's translation."""
        logger.exception("dependency did not answer", extra={"error": type(error).__name__})
        return problem(AdapterError(f"a dependency did not answer: {type(error).__name__}"))

    @app.exception_handler(ClientError)
    def _dependency_error(error: ClientError) -> Response[Any]:
        """An AWS error answer an adapter did not translate: still the dependency's failure, not the client's."""
        logger.exception("dependency failed", extra={"error": error.response.get("Error", {}).get("Code", "")})
        return problem(AdapterError("a dependency failed"))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        response = validation_problem(error)
        logger.info("request rejected", extra={"code": "invalid_parameter", "status": 400})
        return response

    @app.not_found
    def _not_found(_: NotFoundError) -> Response[Any]:
        event = app.current_event
        return Response(
            status_code=404,
            content_type=content_types.APPLICATION_JSON,
            body=problem_body("route_not_found", f"no route for {event.http_method} {event.path}"),
        )
