"""The scheduler function: the job named in the schedule's input runs; a bad policy fails at start, naming the field."""

from __future__ import annotations

import json
from datetime import UTC

import pytest
from pydantic import ValidationError

from mentionwatch.exceptions import EscalationPolicyInvalid
from tests.integration.alerts.conftest import store, triaged
from tests.support import drain_queue, load_handler, subscribe_queue


@pytest.fixture
def environment(monkeypatch, table, topic, sns):
    digest = sns.create_topic(Name="digest")["TopicArn"]
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_ALERTS_TOPIC_ARN", topic)
    monkeypatch.setenv("MENTIONWATCH_DIGEST_TOPIC_ARN", digest)
    monkeypatch.setenv("MENTIONWATCH_ACK_KEY", "k" * 32)
    monkeypatch.setenv("MENTIONWATCH_PUBLIC_BASE_URL", "http://127.0.0.1:3000")
    return {"digest": digest}


def test_the_escalation_job_sweeps_a_pending_alert(
    environment, oncall, publisher, mentions, inboxes, lambda_context, clock, capsys
):
    from datetime import UTC, datetime

    clock.now = datetime.now(UTC)
    publisher.failing = True
    oncall.page_mention(store(mentions, triaged("1", created_at=clock.now)))

    result = load_handler("scheduler").lambda_handler({"job": "escalation"}, lambda_context)

    assert result["job"] == "escalation" and result["swept"] == 1
    assert len(inboxes.read("everything")) == 1
    # The respond-clock sweep ran too, found nothing and reports itself caught up, in the EMF metric its alarm reads
    assert (result["clocks_checked"], result["clock_sweep_behind_seconds"]) == (0, 0.0)
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [document.get("RespondClockSweepBehindSeconds") for document in emitted if "ColdStart" not in document] == [
        [0.0]
    ]


def test_the_digest_job_publishes_to_the_digest_topic(environment, sns, sqs, oncall, mentions, lambda_context):
    from datetime import date, datetime, time

    inbox = subscribe_queue(sns, sqs, environment["digest"], "digest-inbox")
    day = date(2026, 11, 22)
    item = store(mentions, triaged("2", created_at=datetime.combine(day, time(9), UTC)))
    oncall.observe(item, context=None)

    result = load_handler("scheduler").lambda_handler({"job": "digest", "day": "2026-11-22"}, lambda_context)

    assert result["digests"] == [{"brand": "acme", "day": "2026-11-22", "total": 1}]
    assert len(drain_queue(sqs, inbox)) == 1


def test_a_digest_already_sent_is_sent_again_only_when_forced(environment, sns, sqs, oncall, mentions, lambda_context):
    from datetime import date, datetime, time

    # Given a day whose digest was sent
    inbox = subscribe_queue(sns, sqs, environment["digest"], "digest-inbox")
    day = date(2026, 11, 22)
    oncall.observe(store(mentions, triaged("3", created_at=datetime.combine(day, time(9), UTC))), context=None)
    handler = load_handler("scheduler")
    handler.lambda_handler({"job": "digest", "day": "2026-11-22"}, lambda_context)
    drain_queue(sqs, inbox)

    # When the same day runs again (a retried invocation), then by hand with force
    retried = handler.lambda_handler({"job": "digest", "day": "2026-11-22"}, lambda_context)
    after_retry = drain_queue(sqs, inbox)
    forced = handler.lambda_handler({"job": "digest", "day": "2026-11-22", "force": True}, lambda_context)

    # Then the retry sent nothing, and the forced run sent it again
    assert retried["digests"] == [] and after_retry == []
    assert [d["brand"] for d in forced["digests"]] == ["acme"] and len(drain_queue(sqs, inbox)) == 1


def test_an_unknown_job_is_refused(environment, lambda_context):
    with pytest.raises(ValidationError, match="job"):
        load_handler("scheduler").lambda_handler({"job": "reboot"}, lambda_context)


def test_a_misconfigured_policy_file_fails_at_start_naming_the_field(
    environment, monkeypatch, tmp_path, lambda_context
):
    policy = tmp_path / "escalation.yaml"
    policy.write_text("policies:\n  default:\n    levels:\n      - notify: [oncall]\n        delay_minutes: soon\n")
    monkeypatch.setenv("MENTIONWATCH_ESCALATION_FILE", str(policy))

    with pytest.raises(EscalationPolicyInvalid, match=r"policies\.default\.levels\.0\.delay_minutes"):
        load_handler("scheduler").lambda_handler({"job": "escalation"}, lambda_context)


def test_the_ssm_parameter_overrides_the_packaged_policy(environment, monkeypatch, aws):
    import boto3

    from mentionwatch.settings import AlertingSettings
    from mentionwatch.wiring import escalation_config

    boto3.client("ssm").put_parameter(
        Name="/mentionwatch/escalation",
        Type="String",
        Value="cooldown_minutes: 5\npolicies:\n  default:\n    levels:\n      - notify: [pager]\n",
    )
    monkeypatch.setenv("MENTIONWATCH_ESCALATION_PARAMETER", "/mentionwatch/escalation")
    import os

    config = escalation_config(AlertingSettings.from_environ(os.environ))

    assert config.cooldown_minutes == 5
    assert config.policy_for("social").levels[0].notify == ("pager",)
