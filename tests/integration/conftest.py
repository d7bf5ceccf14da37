"""A deployed-like environment on moto: the table from the template, the queue with its DLQ, the alerts topic."""

from __future__ import annotations

import pytest

from tests.support import EVENTS, subscribe_queue


@pytest.fixture
def deployed(monkeypatch, table, mentions_queue, alerts_topic, sns, sqs):
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_QUEUE_URL", mentions_queue)
    monkeypatch.setenv("MENTIONWATCH_ALERTS_TOPIC_ARN", alerts_topic)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    monkeypatch.setenv("MENTIONWATCH_ANALYZER", "local")
    alerts = subscribe_queue(sns, sqs, alerts_topic, "alerts-observer")
    return {"queue": mentions_queue, "alerts": alerts}
