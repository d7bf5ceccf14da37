"""Shared fixtures: moto-backed resources built from template.yaml, a Lambda context, signed deliveries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mentionwatch.local.template import Template, load_template
from tests.support import ROOT


@dataclass
class FakeLambdaContext:
    function_name: str = "mentionwatch-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mentionwatch-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(aws_request_id=str(uuid.uuid4()))


@pytest.fixture(scope="session")
def template() -> Template:
    return Template(load_template(ROOT / "template.yaml"))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        from mentionwatch import aws as aws_clients

        aws_clients.reset_clients()
        yield
        aws_clients.reset_clients()


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb")


@pytest.fixture
def table(dynamodb: Any, template: Template) -> str:
    """The mentions table exactly as template.yaml declares it (keys and indexes), so tests cannot drift."""
    props = template.resources["MentionsTable"]["Properties"]
    dynamodb.create_table(
        TableName="mentions",
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode="PAY_PER_REQUEST",
    )
    return "mentions"


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs")


@pytest.fixture
def sns(aws: None) -> Any:
    return boto3.client("sns")


@pytest.fixture
def mentions_queue(sqs: Any) -> str:
    dlq = sqs.create_queue(QueueName="mentions-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs.create_queue(
        QueueName="mentions",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})},
    )["QueueUrl"]


@pytest.fixture
def alerts_topic(sns: Any) -> str:
    return sns.create_topic(Name="alerts")["TopicArn"]
