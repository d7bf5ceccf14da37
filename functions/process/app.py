"""SQS → score the batch → triage, store and alert each mention, reporting partial batch failures."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from mentionwatch.pipeline.process import MentionProcessor
from mentionwatch.settings import ProcessSettings
from mentionwatch.sources.base import QueuedMention
from mentionwatch.wiring import mention_processor

logger = Logger()
tracer = Tracer()
metrics = Metrics()
batch = BatchProcessor(event_type=EventType.SQS)


@cache
def _processor() -> MentionProcessor:
    return mention_processor(ProcessSettings.from_environ(os.environ))


def _parse(body: str) -> QueuedMention | None:
    try:
        return QueuedMention.model_validate_json(body)
    except ValidationError:
        return None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    processor = _processor()
    processor.register_lambda_context(context)
    parsed = {record["messageId"]: _parse(record["body"]) for record in event.get("Records", [])}
    valid = [item for item in parsed.values() if item is not None]
    sentiments = processor.score(valid)
    processor.keep_raw_payloads(valid)

    def handle_record(record: SQSRecord) -> str:
        item = parsed[record.message_id]
        if item is None:
            # A poison message: fail it alone; after maxReceiveCount the queue moves it to the DLQ.
            raise ValueError(f"message {record.message_id} is not a queued mention")
        outcome = processor.handle(item, sentiments.get(item.mention.id))
        metrics.add_metric(name=f"Mentions_{outcome.value}", unit=MetricUnit.Count, value=1)
        return outcome.value

    with processor.batch():
        response = process_partial_response(event=event, record_handler=handle_record, processor=batch, context=context)
        return dict(response)
