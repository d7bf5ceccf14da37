"""Helpers the tests share: reading what SNS delivered, signing deliveries, loading handlers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
SHARED_DATA = ROOT.parent / "shared" / "data"


def load_handler(function: str) -> ModuleType:
    """Import functions/<function>/app.py under a unique name, as Lambda would load it."""
    name = f"handler_{function}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / function / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def subscribe_queue(sns: Any, sqs: Any, topic_arn: str, name: str, filter_policy: dict | None = None) -> str:
    """An SQS queue that receives what the topic delivers (optionally filtered on message attributes)."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"FilterPolicy": json.dumps(filter_policy)} if filter_policy else {}
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def drain_queue(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
            "Messages", []
        )
        if not batch:
            return messages
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        )


def dev_signing_secret() -> str:
    return json.loads((EVENTS / "dev-secrets.json").read_text())["standard"]["signing_secret"]


def standard_webhook_headers(
    body: bytes, secret: str | None = None, msg_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """Signed per the Standard Webhooks spec, computed here independently of the code under test."""
    secret = secret or dev_signing_secret()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def http_event(source: str, body: bytes, headers: dict[str, str], method: str = "POST") -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} /webhooks/{{source}}",
        "rawPath": f"/webhooks/{source}",
        "rawQueryString": "",
        "headers": headers,
        "pathParameters": {"source": source},
        "requestContext": {
            "http": {"method": method, "path": f"/webhooks/{source}"},
            "requestId": "r1",
            "stage": "$default",
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What Lambda hands the process function: SQS messages with their attributes in the event's own casing."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {
                    name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mentions",
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }
