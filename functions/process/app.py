"""SQS → score the batch → triage, store and alert each mention, reporting partial batch failures.

Every log line carries a correlation id: the sender's (webhook request id, poll invocation id) from the message
attribute `correlation_id` while one record is handled, and all of the batch's ids, comma-separated, around
batch-wide work (scoring, raw payloads, aggregates), so a search for one request id finds both.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from mentionwatch.pipeline.process import MentionProcessor, RecordNotFinished, TimeBudget
from mentionwatch.queue.sqs import CORRELATION_ATTRIBUTE
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


def _correlation_id(record: dict[str, Any]) -> str | None:
    attribute = (record.get("messageAttributes") or {}).get(CORRELATION_ATTRIBUTE) or {}
    value = attribute.get("stringValue")
    return str(value) if value else None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    correlation = {record["messageId"]: _correlation_id(record) or record["messageId"] for record in records}
    batch_correlation = ",".join(dict.fromkeys(correlation.values())) or context.aws_request_id
    logger.set_correlation_id(batch_correlation)
    processor = _processor()
    processor.register_lambda_context(context)
    parsed = {record["messageId"]: _parse(record["body"]) for record in records}
    valid = [item for item in parsed.values() if item is not None]
    budget = TimeBudget(context)
    sentiments = processor.score(valid)
    unkept = processor.keep_raw_payloads(valid, sentiments)
    # Urgent mentions first: their pages go out before the batch's routine mentions are stored (and before the
    # time budget runs out).
    position = {mention_id: index for index, mention_id in enumerate(processor.urgent_first(valid, sentiments))}

    def order(record: dict[str, Any]) -> int:
        item = parsed[record["messageId"]]
        return position.get(item.mention.id, -1) if item is not None else -1  # poison messages fail first, alone

    records = sorted(records, key=order)

    def handle_record(record: SQSRecord) -> str:
        logger.set_correlation_id(correlation[record.message_id])
        try:
            item = parsed[record.message_id]
            if item is None:
                # A poison message: fail it alone; after maxReceiveCount the queue moves it to the DLQ.
                logger.warning("not a queued mention: failed alone", extra={"message_id": record.message_id})
                raise ValueError(f"message {record.message_id} is not a queued mention")
            budget.check()  # near the timeout: this and later records come back, the finished ones are reported
            if item.mention.id in unkept:
                raise RecordNotFinished(f"raw payload of {item.mention.id} not written; retried alone")
            outcome = processor.handle(item, sentiments.get(item.mention.id))
            metrics.add_metric(name=f"Mentions_{outcome.value}", unit=MetricUnit.Count, value=1)
            logger.info("mention handled", extra={"mention_id": item.mention.id, "outcome": outcome.value})
            return outcome.value
        finally:
            logger.set_correlation_id(batch_correlation)

    with processor.batch() as unfinished, batch(records, handle_record, lambda_context=context):
        batch.process()
    failed = [failure["itemIdentifier"] for failure in batch.response()["batchItemFailures"]]
    for record in records:  # a respond clock that could not be started fails its own record only
        item = parsed[record["messageId"]]
        if item is not None and item.mention.id in unfinished and record["messageId"] not in failed:
            failed.append(record["messageId"])
    if failed:
        metrics.add_metric(name="RecordsRetried", unit=MetricUnit.Count, value=len(failed))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
