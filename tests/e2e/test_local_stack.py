"""Through the local stack, as `make demo` and `make serve` run it: HTTP on loopback, moto server, SQS mapping."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from mentionwatch import aws
from mentionwatch.local.stack import LocalStack
from tests.support import ROOT, standard_webhook_headers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack():
    with LocalStack(ROOT) as running:
        sqs, sns = aws.client("sqs"), aws.client("sns")
        observer = sqs.create_queue(QueueName="e2e-sms-observer")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=observer, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=running.physical("AlertsTopic"), Protocol="sqs", Endpoint=arn)
        running.observer = observer  # type: ignore[attr-defined]
        yield running


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_signed_webhook_ends_in_dynamodb_and_as_an_sms_on_sns(stack):
    body = json.dumps(
        {
            "type": "mention.created",
            "data": {
                "id": "e2e-1",
                "text": "The charger sparked and caught fire in my kid's room. Dangerous product, I'm furious!",
                "created_at": "2026-11-23T09:00:00Z",
                "author": {"handle": "parent_pat", "followers": 800},
                "url": "https://social.example/parent_pat/1",
                "brand": "acme",
            },
        }
    ).encode()

    status, answer = post(f"{stack.url}/webhooks/standard", body, standard_webhook_headers(body))
    stack.drain()

    assert status == 202 and answer["mention_ids"] == ["webhook:e2e-1"]
    item = aws.client("dynamodb").get_item(
        TableName=stack.physical("MentionsTable"), Key={"pk": {"S": "MENTION#webhook:e2e-1"}, "sk": {"S": "MENTION"}}
    )["Item"]
    assert item["reaction"]["S"] == "escalate"
    messages = aws.client("sqs").receive_message(QueueUrl=stack.observer, MaxNumberOfMessages=10)["Messages"]
    alerts = [json.loads(json.loads(message["Body"])["Message"]) for message in messages]
    sms = [alert["sms"] for alert in alerts if "@parent_pat" in alert.get("sms", "")]
    assert len(sms) == 1 and len(sms[0]) <= 160
    assert stack.errors == []


def test_unknown_source_is_a_404_over_http(stack):
    status, answer = post(f"{stack.url}/webhooks/nowhere", b"{}", {"content-type": "application/json"})
    assert status == 404 and answer["error"]["field"] == "source"


def test_a_poison_message_ends_in_the_dlq_without_blocking_the_others(stack):
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=stack.physical("MentionsQueue"), MessageBody="definitely not a mention")
    body = json.dumps(
        {
            "type": "mention.created",
            "data": {
                "id": "e2e-2",
                "text": "Nice store",
                "created_at": "2026-11-23T09:00:00Z",
                "author": {"handle": "q"},
            },
        }
    ).encode()
    post(f"{stack.url}/webhooks/standard", body, standard_webhook_headers(body))

    stack.drain()

    dead = sqs.receive_message(QueueUrl=stack.physical("MentionsDLQ"), MaxNumberOfMessages=10).get("Messages", [])
    assert [message["Body"] for message in dead] == ["definitely not a mention"]
    item = aws.client("dynamodb").get_item(
        TableName=stack.physical("MentionsTable"), Key={"pk": {"S": "MENTION#webhook:e2e-2"}, "sk": {"S": "MENTION"}}
    )
    assert "Item" in item
