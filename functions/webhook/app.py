"""POST/GET /webhooks/{source}: verify a platform's delivery over its raw bytes, enqueue it, answer at once."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mentionwatch.http.apigw import inbound_request
from mentionwatch.http.responses import install_error_handlers
from mentionwatch.pipeline.ingest import receive_webhook
from mentionwatch.settings import WebhookSettings
from mentionwatch.sources.base import ChallengeResponse
from mentionwatch.wiring import (
    brand_matcher,
    brand_post_tagger,
    keep_refused,
    secrets_provider,
    utc_clock,
    webhook_queue,
)

logger = Logger()
# No Powertools Tracer here: it imports the X-Ray SDK and patches botocore at import, about half of this
# function's cold start, and a platform's CRC challenge must be answered within about 3 s. Lambda's active tracing
# still records each invocation (README, "Performance").
metrics = Metrics()
app = APIGatewayHttpResolver()
install_error_handlers(app)


@cache
def _dependencies():  # type: ignore[no-untyped-def]
    settings = WebhookSettings.from_environ(os.environ)
    return (
        secrets_provider(settings),
        webhook_queue(settings),
        brand_matcher(settings),
        keep_refused(settings),
        brand_post_tagger(settings),
    )


@app.route("/webhooks/<source>", method=["GET", "POST"])
def webhook(source: str) -> Response[Any]:
    request = inbound_request(app.current_event.raw_event, received_at=utc_clock())
    secrets, queue, match_brand, keep, tag_brand_post = _dependencies()
    outcome = receive_webhook(request, secrets, queue, match_brand, keep, tag_brand_post)
    if isinstance(outcome, ChallengeResponse):
        return Response(status_code=outcome.status, content_type=outcome.content_type, body=outcome.body)
    metrics.add_dimension(name="source", value=request.source)
    metrics.add_metric(name="MentionsAccepted", unit=MetricUnit.Count, value=outcome.accepted)
    # Signed deliveries the parser refused (kept for `mentionwatch kept replay`): alarm when this is not zero.
    metrics.add_metric(name="DeliveriesKept", unit=MetricUnit.Count, value=1 if outcome.kept else 0)
    return Response(
        status_code=outcome.status,
        content_type=content_types.APPLICATION_JSON,
        body=outcome.model_dump(mode="json", exclude={"status"}),
    )


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
