"""The mentions API: queue and search, one mention, workflow steps, replies, stats, incidents, the OpenAPI
document, and the triage console's static files (/console: no data in them; every data call the console makes
comes back here with a token).

API Gateway's JWT authorizer verifies the bearer token before this function runs (the local stack does the same
with MENTIONWATCH_LOCAL_TOKEN); the function reads who is calling from the verified claims.
"""

import os
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.utilities.typing import LambdaContext

from mentionwatch.alerts.records import IncidentKind
from mentionwatch.api.identity import Caller, caller_from_claims
from mentionwatch.api.incidents import (
    MAX_INCIDENTS,
    IncidentDetail,
    IncidentPage,
    IncidentQuery,
    IncidentsApi,
    IncidentState,
)
from mentionwatch.api.models import (
    DEFAULT_PAGE_SIZE,
    KEY_SAFE,
    MAX_PAGE_SIZE,
    MentionDetail,
    MentionFilters,
    MentionPage,
    MentionPatch,
    Problem,
    StatsInterval,
    StatsQuery,
    StatsReport,
)
from mentionwatch.api.replies import IDEMPOTENCY_KEY, RepliesApi, ReplyRequest, ReplyView
from mentionwatch.api.service import MentionsApi, reject_unknown_parameters, request_model
from mentionwatch.api.settings import ApiSettings
from mentionwatch.api.wiring import incidents_api, mentions_api, replies_api
from mentionwatch.console import site as console
from mentionwatch.http.responses import install_error_handlers, resolve_screened
from mentionwatch.models import MentionStatus, Platform, Reaction, Sentiment, Severity

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
install_error_handlers(app)
app.configure_openapi(
    title="mentionwatch mentions API",
    version="1.0.0",
    description="Queue, search, acknowledge, assign, respond to, resolve and count social-media mentions.",
    security_schemes={"bearer": HTTPBearer(bearerFormat="JWT", description="JWT from the configured issuer")},
    security=[{"bearer": []}],
)
app.enable_swagger(path="/docs", title="mentionwatch mentions API", version="1.0.0")


def _problem(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": Problem}}}


_AUTH = {
    401: _problem("No or an invalid bearer token"),
    403: _problem("Another team's data (`team`), or a token that grants no team or several (`authorization`)"),
}
_BAD = {400: _problem("A parameter is unknown or invalid (`field` names it)")}
_MISSING = {404: _problem("No such mention (or not visible to you)")}
_NOT_JSON = {415: _problem("The body is not JSON (`content-type`), e.g. `multipart/form-data` or `text/plain`")}
# Every operation reads DynamoDB: one that does not answer or errs is the dependency's failure, never the client's.
_RETRY_AFTER: dict[str, OpenAPIResponseHeader] = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
_UNAVAILABLE: dict[int, OpenAPIResponse] = {
    503: {
        **_problem("A dependency did not answer or failed (`dependency_unavailable`): retry after `Retry-After`"),
        "headers": _RETRY_AFTER,
    }
}


def _ok(description: str) -> dict[int, OpenAPIResponse]:
    return {200: {"description": description}}  # content: the route's return annotation


BRAND = "Brand (GSI2, month buckets; the range defaults to the last 365 days)"
CURSOR = "`next_cursor` of the previous page of the same query"
MentionId = Annotated[str, Path(max_length=300, description="`<platform>:<native id>`, e.g. `x:1234567890`")]


@cache
def _api() -> MentionsApi:
    return mentions_api(ApiSettings.from_environ(os.environ))


def _caller() -> Caller:
    context = app.current_event.raw_event.get("requestContext") or {}
    return caller_from_claims(((context.get("authorizer") or {}).get("jwt") or {}).get("claims"))


@app.get(
    "/mentions",
    summary="Queue and search, newest first",
    responses={**_ok("A page of mentions"), **_BAD, **_AUTH, **_UNAVAILABLE},
)
@tracer.capture_method
def list_mentions(
    status: Annotated[MentionStatus | None, Query(description="Workflow status (GSI1 partition)")] = None,
    severity: Annotated[Severity | None, Query(description="Triage severity (GSI1 sort-key prefix)")] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=128, pattern=KEY_SAFE, description=BRAND)] = None,
    reaction: Annotated[Reaction | None, Query()] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=64, pattern=KEY_SAFE)] = None,
    platform: Annotated[Platform | None, Query()] = None,
    sentiment: Annotated[Sentiment | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Created at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Created before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048, description=CURSOR)] = None,
) -> MentionPage:
    caller = _caller()
    reject_unknown_parameters(app.current_event.query_string_parameters or {}, MentionFilters.model_fields)
    filters = request_model(MentionFilters, {name: value for name, value in locals().items() if name != "caller"})
    return _api().list_mentions(filters, caller)


@app.get(
    "/mentions/<id>",
    summary="One mention in full",
    responses={**_ok("The mention"), **_BAD, **_AUTH, **_MISSING, **_UNAVAILABLE},
)
@tracer.capture_method
def get_mention(id: MentionId) -> MentionDetail:
    return _api().get_mention(id, _caller())


@app.patch(
    "/mentions/<id>",
    summary="Acknowledge, assign, record a response, resolve or reopen",
    responses={
        **_ok("The mention after the step"),
        **_BAD,
        **_AUTH,
        **_MISSING,
        409: _problem("Stale version or a step the status does not allow"),
        **_NOT_JSON,
        **_UNAVAILABLE,
    },
)
@tracer.capture_method
def change_mention(id: MentionId, patch: Annotated[MentionPatch, Body()]) -> MentionDetail:
    return _api().change(id, patch, _caller())


@cache
def _replies() -> RepliesApi:
    return replies_api(ApiSettings.from_environ(os.environ))


_REPLY_REFUSED: dict[int, OpenAPIResponse] = {
    409: _problem(
        "The post cannot be answered (`reply_target_unavailable`: deleted, locked, replies restricted), the key was "
        "used for other text (`idempotency_key_reused`), or an earlier attempt's outcome is unknown (`reply_in_doubt`)"
    ),
    422: _problem("No brand account on the platform, a platform without replies, or the platform refused the text"),
    424: _problem("The platform refused the brand account's credentials, or none are stored"),
    429: _problem("The platform rate-limited the account; `Retry-After` says when to try again"),
    503: {
        **_problem(
            "The platform failed (`platform_unavailable`: nothing posted, retry with the same key) or did not answer "
            "(`platform_outcome_unknown`: look at the thread first), or a dependency did (`dependency_unavailable`)"
        ),
        "headers": _RETRY_AFTER,
    },
}


@app.post(
    "/mentions/<id>/replies",
    summary="Post a reply on the mention's platform as the brand (idempotent per key)",
    responses={
        200: {"description": "A repeat of an earlier request with the same key: nothing more was posted"},
        201: {"description": "Posted; the mention is marked responded"},
        202: {"description": "Drafted: the team wants a second person to approve it"},
        **_BAD,
        **_AUTH,
        **_MISSING,
        **_NOT_JSON,
        **_REPLY_REFUSED,
    },
)
@tracer.capture_method
def post_reply(id: MentionId, reply: Annotated[ReplyRequest, Body()]) -> Response[ReplyView]:
    view, status = _replies().post(id, reply, _caller())
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=view)


@app.post(
    "/mentions/<id>/replies/<key>/approve",
    summary="Approve a drafted reply (four eyes: not by the person who drafted it) and post it",
    responses={
        200: {"description": "Posted (or already posted)"},
        **_BAD,
        **_AUTH,
        403: _problem("You drafted it (`four_eyes_required`), or another team's mention"),
        404: _problem("No such mention or reply"),
        **{code: value for code, value in _REPLY_REFUSED.items() if code != 403},
    },
)
@tracer.capture_method
def approve_reply(
    id: MentionId, key: Annotated[str, Path(pattern=IDEMPOTENCY_KEY, description="The reply's idempotency key")]
) -> ReplyView:
    return _replies().approve(id, key, _caller())


@app.get(
    "/stats",
    summary="Counts, response times and SLA breaches over a time range",
    responses={**_ok("The report"), **_BAD, **_AUTH, **_UNAVAILABLE},
)
@tracer.capture_method
def stats(
    since: Annotated[datetime | None, Query(description="Start (default: 7 days before `until`)")] = None,
    until: Annotated[datetime | None, Query(description="End, exclusive (default: now)")] = None,
    interval: Annotated[StatsInterval, Query(description="Bucket size of the series")] = StatsInterval.DAY,
    brand: Annotated[str | None, Query(min_length=1, max_length=128, pattern=KEY_SAFE, description=BRAND)] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=64, pattern=KEY_SAFE)] = None,
    platform: Annotated[Platform | None, Query()] = None,
) -> StatsReport:
    caller = _caller()
    reject_unknown_parameters(app.current_event.query_string_parameters or {}, StatsQuery.model_fields)
    query = request_model(StatsQuery, {name: value for name, value in locals().items() if name != "caller"})
    return _api().stats(query, caller)


@cache
def _incidents() -> IncidentsApi:
    return incidents_api(ApiSettings.from_environ(os.environ))


IncidentId = Annotated[
    str, Path(max_length=450, description="`<thread|author|brand>:<key>#<generation>`, the `#` sent as `%23`")
]


@app.get(
    "/incidents",
    summary="Incidents opened in a time range, newest first: grouped pages about one situation",
    responses={**_ok("Incidents"), **_BAD, **_AUTH, **_UNAVAILABLE},
)
@tracer.capture_method
def list_incidents(
    since: Annotated[datetime | None, Query(description="Opened at or after (default: 7 days before `until`)")] = None,
    until: Annotated[datetime | None, Query(description="Opened before (default: now); 31 days at most")] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=128, pattern=KEY_SAFE)] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=64, pattern=KEY_SAFE)] = None,
    status: Annotated[IncidentState | None, Query(description="`open` = triggered or acknowledged")] = None,
    kind: Annotated[IncidentKind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_INCIDENTS)] = 50,
) -> IncidentPage:
    caller = _caller()
    reject_unknown_parameters(app.current_event.query_string_parameters or {}, IncidentQuery.model_fields)
    query = request_model(IncidentQuery, {name: value for name, value in locals().items() if name != "caller"})
    return _incidents().list_incidents(query, caller)


@app.get(
    "/incidents/<id>",
    summary="One incident: its posts by reach, safety pages inside it, and its timeline",
    responses={
        **_ok("The incident"),
        **_BAD,
        **_AUTH,
        404: _problem("No such incident (or not visible to you)"),
        **_UNAVAILABLE,
    },
)
@tracer.capture_method
def get_incident(id: IncidentId) -> IncidentDetail:
    return _incidents().get_incident(id, _caller())


@app.get("/openapi.json", include_in_schema=False)
def openapi_document():  # type: ignore[no-untyped-def]  # annotated, Powertools would try to model `Response`
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=app.get_openapi_json_schema())


@cache
def _console_settings() -> console.ConsoleSettings:
    return console.ConsoleSettings.from_environ(os.environ)


def _console_response(asset: console.Asset) -> Response[str]:
    return Response(status_code=200, content_type=asset.content_type, body=asset.body, headers=asset.headers)


@app.get("/console", include_in_schema=False)
def console_shell():  # type: ignore[no-untyped-def]  # annotated, Powertools would try to model `Response`
    return _console_response(console.shell(_console_settings()))


@app.get("/console/<name>", include_in_schema=False)
def console_file(name: str):  # type: ignore[no-untyped-def]
    return _console_response(console.asset(name, _console_settings()))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_screened(app, event, context)
