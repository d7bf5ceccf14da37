"""The process step with on-call alerting: the SMS carries the acknowledge link, and a failed publish leaves the
alert pending (no batch failure) for the escalation schedule to send."""

from __future__ import annotations

import json
from datetime import timedelta

from mentionwatch.alerts.sla import EscalationJob
from mentionwatch.pipeline.process import MentionProcessor, Outcome
from mentionwatch.sentiment.local import LocalAnalyzer
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.items import AlertState
from mentionwatch.triage.engine import default_triager
from tests.integration.alerts.conftest import BASE_URL, triaged
from tests.support import EVENTS, drain_queue, load_handler, subscribe_queue


def test_the_process_function_sends_sms_ending_in_an_acknowledge_link(monkeypatch, table, sns, sqs, lambda_context):
    # Given the process function configured with a public base URL and a signing key
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    inbox = subscribe_queue(sns, sqs, topic, "oncall", {"route": ["oncall"], "team": ["safety"]})
    for name, value in {
        "MENTIONWATCH_TABLE": table,
        "MENTIONWATCH_ALERTS_TOPIC_ARN": topic,
        "MENTIONWATCH_ANALYZER": "local",
        "MENTIONWATCH_PUBLIC_BASE_URL": BASE_URL,
        "MENTIONWATCH_ACK_KEY": "k" * 32,
        "MENTIONWATCH_SECRETS_FILE": str(EVENTS / "dev-secrets.json"),
    }.items():
        monkeypatch.setenv(name, value)
    mention = triaged("p1", text="My heater caught fire and the kitchen is full of smoke, dangerous!").mention
    body = QueuedMention(source="standard", mention=mention).model_dump_json()
    event = {
        "Records": [
            {
                "messageId": "m1",
                "receiptHandle": "r",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mentions",
                "awsRegion": "us-east-1",
            }
        ]
    }

    # When it processes the urgent mention
    result = load_handler("process").lambda_handler(event, lambda_context)

    # Then the on-call SMS ends in a link to /ack/ on the public URL
    assert result == {"batchItemFailures": []}
    (message,) = drain_queue(sqs, inbox)
    sms = json.loads(json.loads(message["Body"])["Message"])["sms"]
    assert len(sms) <= 160 and sms.split(" ")[-1].startswith(f"{BASE_URL}/ack/")


def test_a_failed_publish_leaves_the_mention_pending_until_the_schedule_sends_it(
    oncall, dispatcher, publisher, alerts, mentions, config, clock, inboxes
):
    # Given SNS failing while the process step handles an urgent mention
    processor = MentionProcessor(
        store=mentions,
        analyzer=LocalAnalyzer(),
        triager=default_triager(),
        alerter=oncall,
        raw_ttl=timedelta(days=1),
        clock=clock,
    )
    item = triaged("p2", text="The charger exploded and started a fire, I am scared").mention
    queued = QueuedMention(source="standard", mention=item)
    publisher.failing = True
    outcome = processor.handle(queued, processor.score([queued])[item.id])
    assert outcome is Outcome.ALERT_PENDING
    assert mentions.get(item.id).alert_state is AlertState.PENDING

    # When SNS is back and the escalation schedule runs a minute later
    publisher.failing = False
    clock.advance(minutes=1)
    report = EscalationJob(dispatcher, alerts, mentions, config, clock).run()

    # Then it sent the alert once and the mention row records it
    assert report.swept == 1
    assert len(inboxes.read("everything")) == 1
    stored = mentions.get(item.id)
    assert stored.alert_state is AlertState.SENT and stored.alerts[0].message_id
