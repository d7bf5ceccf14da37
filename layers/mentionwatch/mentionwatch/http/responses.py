"""Every HTTP error shape in one place: domain exceptions become JSON problem responses on every resolver."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from mentionwatch.exceptions import MentionwatchError

logger = Logger(child=True)


def problem_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


def problem(error: MentionwatchError) -> Response[Any]:
    """`{"error": {"code", "message", "field"}}` with the exception's status. Messages never carry secrets."""
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=problem_body(error.code, error.message, error.field),
    )


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
