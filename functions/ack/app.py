"""GET /ack/{token}: acknowledge an alert from the link in its SMS or e-mail; answers a small HTML page.

Link previewers and scanners (by User-Agent) and HEAD requests get a page showing what the link would acknowledge,
and nothing is recorded: a chat app unfurling the link must not acknowledge the page for the on-call person."""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mentionwatch.alerts.acknowledge import Acknowledger, ack_page, error_page, is_link_preview, preview_page
from mentionwatch.exceptions import MentionwatchError, NotFound
from mentionwatch.settings import AlertingSettings
from mentionwatch.wiring import acknowledger

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()

HTML = "text/html; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
_ACTOR = re.compile(r"^[\w .@+-]{1,64}$")


@cache
def _acknowledger() -> Acknowledger:
    return acknowledger(AlertingSettings.from_environ(os.environ))


def _html(status: int, body: str) -> Response[str]:
    return Response(status_code=status, content_type=HTML, body=body, headers=NO_STORE)


@app.exception_handler(MentionwatchError)  # type: ignore[untyped-decorator]
def _refused(error: MentionwatchError) -> Response[str]:
    if error.status >= 500:
        logger.exception("acknowledge failed", extra={"code": error.code})
    else:
        logger.info("acknowledge refused", extra={"code": error.code, "status": error.status})
        metrics.add_metric(name="AckRefused", unit=MetricUnit.Count, value=1)
    return _html(error.status, error_page(error))


@app.not_found
def _no_route(_: NotFoundError) -> Response[str]:
    return _html(404, error_page(NotFound("there is nothing to acknowledge at this address")))


@app.route("/ack/<token>", method=["GET", "HEAD"])
@tracer.capture_method
def acknowledge(token: str) -> Response[str]:
    metrics.add_metric(name="AckRequests", unit=MetricUnit.Count, value=1)
    agent = app.current_event.headers.get("user-agent")
    if app.current_event.http_method.upper() == "HEAD" or is_link_preview(agent):
        logger.info("link preview: nothing recorded", extra={"user_agent": (agent or "")[:200]})
        metrics.add_metric(name="AckPreviews", unit=MetricUnit.Count, value=1)
        return _html(200, preview_page(_acknowledger().preview(token)))
    by = (app.current_event.get_query_string_value("by") or "").strip()
    actor = by if _ACTOR.match(by) else "sms-link"
    result = _acknowledger().acknowledge(token, actor=actor, via="sms-link")
    if result.newly_acknowledged:
        metrics.add_metric(name="AlertsAcknowledged", unit=MetricUnit.Count, value=1)
    return _html(200, ack_page(result))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
