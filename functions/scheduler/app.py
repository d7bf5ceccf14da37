"""Scheduled alerting jobs, named by the schedule's input: `{"job": "escalation" | "spike" | "digest"}`.

escalation (every minute): send pending alerts, run SLA clocks (re-escalation, respond warnings, breaches).
spike (every 5 minutes): negative volume per brand and category against its own history.
digest (daily): one e-mail per brand through the digest topic, each brand once (a retry skips brands already
sent; `{"job": "digest", "day": "YYYY-MM-DD", "force": true}` re-sends a day by hand).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from mentionwatch.settings import AlertingSettings
from mentionwatch.wiring import digest_job, escalation_job, spike_job, urgent_pager

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class Job(StrEnum):
    ESCALATION = "escalation"
    SPIKE = "spike"
    DIGEST = "digest"


class ScheduledEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job: Job
    day: date | None = None  # digest only: a day other than yesterday (re-running a digest by hand)
    force: bool = False  # digest only: send brands whose digest of that day was already sent


@cache
def _settings() -> AlertingSettings:
    return AlertingSettings.from_environ(os.environ)


@cache
def _job(job: Job) -> Any:
    factory = {Job.ESCALATION: escalation_job, Job.SPIKE: spike_job, Job.DIGEST: digest_job}[job]
    return factory(_settings())


@cache
def _urgent_pager() -> Any:
    return urgent_pager(_settings())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A schedule's input carries no id: this invocation's request id ties its log lines together.
    logger.set_correlation_id(context.aws_request_id)
    metrics.add_metric(name="ScheduledInvocations", unit=MetricUnit.Count, value=1)
    request = ScheduledEvent.model_validate(event)
    if request.job is Job.ESCALATION:
        unpaged = _urgent_pager().sweep_unpaged()  # urgent mentions whose page was never recorded (DLQ, crash)
        metrics.add_metric(name="UnpagedMentionsFinished", unit=MetricUnit.Count, value=len(unpaged))
        unclocked = _urgent_pager().sweep_unclocked()  # respond mentions whose clock write failed (DLQ, crash)
        metrics.add_metric(name="RespondClocksChecked", unit=MetricUnit.Count, value=unclocked.checked)
        if unclocked.behind is not None:  # held at a mention it cannot check: alarm `respond-sweep-behind`
            behind = unclocked.behind.total_seconds()
            metrics.add_metric(name="RespondClockSweepBehindSeconds", unit=MetricUnit.Seconds, value=behind)
        report = _job(Job.ESCALATION).run()
        metrics.add_metric(name="AlertsSwept", unit=MetricUnit.Count, value=report.swept)
        metrics.add_metric(name="Escalations", unit=MetricUnit.Count, value=len(report.escalated))
        metrics.add_metric(name="SlaBreaches", unit=MetricUnit.Count, value=len(report.breached))
        metrics.add_metric(name="SlaClockFailures", unit=MetricUnit.Count, value=len(report.failed))
        return {
            "job": request.job.value,
            "unpaged": [outcome.value for outcome in unpaged],
            "clocks_checked": unclocked.checked,
            "clock_sweep_behind_seconds": None if unclocked.behind is None else unclocked.behind.total_seconds(),
            **asdict(report),
        }
    if request.job is Job.SPIKE:
        spikes = _job(Job.SPIKE).run()
        metrics.add_metric(name="Spikes", unit=MetricUnit.Count, value=len(spikes.alerted))
        return {
            "job": request.job.value,
            "checked": [stats.model_dump() for stats in spikes.checked],
            "alerted": [outcome.alert.dedup_key for outcome in spikes.alerted],
        }
    digests = _job(Job.DIGEST).run(request.day, force=request.force)
    return {
        "job": request.job.value,
        "digests": [{"brand": d.brand, "day": d.day.isoformat(), "total": d.total} for d in digests],
    }
