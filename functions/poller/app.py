"""Scheduled poll of one source (EventBridge input `{"source": "reddit"}`, optionally `"query": "<name>"`):
new posts go to the mentions queue, cursors to the table."""

from __future__ import annotations

import os
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentionwatch.exceptions import ConfigurationError, UnknownSource
from mentionwatch.pollers.runner import run_poll
from mentionwatch.settings import PollerSettings
from mentionwatch.wiring import cursor_store, http_transport, secrets_provider, utc_clock, watch_config, webhook_queue

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# OAuth tokens and the Bluesky session, kept while this execution environment is warm (never logged).
SESSIONS: dict[str, Any] = {}


class PollEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    source: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]
    query: Annotated[str | None, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")] = None


@cache
def _dependencies():  # type: ignore[no-untyped-def]
    settings = PollerSettings.from_environ(os.environ)
    return settings, secrets_provider(settings), cursor_store(settings), webhook_queue(settings), http_transport()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A schedule's input carries no id: this invocation's request id ties its log lines together and travels with
    # the mentions it queues (SQS message attribute correlation_id).
    logger.set_correlation_id(context.aws_request_id)
    try:
        request = PollEvent.model_validate(event)
    except ValidationError as err:
        field = ".".join(str(part) for part in err.errors()[0]["loc"]) or "event"
        raise ConfigurationError(f"poll event {field}: {err.errors()[0]['msg']}", field=field) from None
    settings, secrets, cursors, queue, http = _dependencies()
    try:
        source_secrets = secrets.for_source(request.source)
    except UnknownSource:
        source_secrets = {}  # feeds and public timelines need none
    result = run_poll(
        watch_config(settings),
        request.source,
        cursor_store=cursors,
        http=http,
        now=utc_clock(),
        secrets=source_secrets,
        sessions=SESSIONS,
        sink=queue.enqueue,
        only_query=request.query,
        endpoints=settings.platform_endpoints,
    )
    metrics.add_dimension(name="source", value=request.source)
    metrics.add_metric(name="MentionsPolled", unit=MetricUnit.Count, value=len(result.mentions))
    metrics.add_metric(name="PollQueriesFailed", unit=MetricUnit.Count, value=len(result.failed))
    for report in result.queries:
        fields = report.model_dump(mode="json", exclude_none=True)
        if report.error:
            logger.warning("poll query failed", extra=fields)
        elif report.possible_gap or report.rate_limited:
            logger.warning("poll query incomplete", extra=fields)
        else:
            logger.info("poll query done", extra=fields)
    return {
        "source": result.source,
        "mentions": len(result.mentions),
        "queries": [report.model_dump(mode="json", exclude_none=True) for report in result.queries],
    }
