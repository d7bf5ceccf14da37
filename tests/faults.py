"""Fault injection on the process path (issue 13): N mentions through the real process handler on moto, with
DynamoDB, SNS or Comprehend failing through botocore event hooks, or invocations killed mid-batch.

The queue is modelled in memory the way SQS treats a Lambda event source: a batch of up to 100 messages; records
the handler reports as failed (and every record of an invocation that raised or was killed) come back with their
receive count raised; after `MAX_RECEIVES` a message moves to the DLQ. When the queue is empty the DLQ is
redriven (what `aws sqs start-message-move-task` does) and processed with no faults, then the scheduled sweeps
(unpaged mentions, pending alerts) run until nothing is due. Time is a fake clock that moves a minute a round.

Faults: `before-call` hooks raise before a request is sent (a timeout, throttling or a 500 after the SDK's own
retries); `after-call` hooks raise after the request took effect (the write happened, the page went out, the
answer was lost). A kill raises `Killed` (a BaseException, like the runtime ending an invocation) from a random
AWS call and from every later one until the invocation is over, so nothing of it gets reported.

Figures: lost (sent, never stored), unpaged (stored urgent, its page not recorded or not published), duplicate
pages (publishes beyond the first per alert, except those counted apart below), unclocked (stored respond mentions
still needing a respond SLA clock that has none), receives spent, DLQ moves. Two kinds of second publish cannot
be avoided and are counted apart: `unknowable_kills`, an invocation killed on the very first AWS call after SNS
accepted a page, before either the alert or the mention could record it; and `republished`, a publish SNS
accepted whose answer was lost (a read timeout after the call took effect). SNS keeps no record to ask, so the
retry publishes again rather than risk a page never sent (at least once). In production the process function's
time-budget guard stops taking records well before the Lambda timeout, so such a kill needs the runtime to crash
at that instant.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FAULT_CLASSES = ("dynamodb", "sns", "comprehend", "kill")
MAX_RECEIVES = 5
BATCH = 100
URGENT_TEXT = "Your heater caught fire and my son was injured. This is awful and dangerous!"
RESPOND_TEXT = "My order never arrived and nobody answers my emails. Where is my refund?"
CALM_TEXT = "Had a nice flight with the crew today, thanks."


class Killed(BaseException):  # noqa: N818 - named for what the runtime does to the invocation
    """The invocation ended (timeout, crash): nothing of it is reported."""


@dataclass
class Figures:
    fault_class: str
    mentions: int
    urgent: int = 0
    stored: int = 0
    lost: int = 0
    unpaged: int = 0
    respond: int = 0
    unclocked: int = 0
    pages: int = 0
    duplicate_pages: int = 0  # beyond the first per alert, other than the two unknowable kinds (below)
    unknowable_kills: int = 0  # kills right after a publish, before any record of it: that page may go out twice
    republished: int = 0  # pages published again after SNS accepted one whose answer was lost (at-least-once)
    faults: int = 0
    kills: int = 0
    receives: int = 0
    dlq_moves: int = 0
    rounds: int = 0
    details: list[str] = field(default_factory=list)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


class ShrinkingContext:
    """A Lambda context whose remaining time falls with every AWS call (20 ms each) from 30 s."""

    function_name = "mentionwatch-process"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mentionwatch-process"

    def __init__(self, calls: Counter[str]) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._calls = calls
        self._start = sum(calls.values())

    def get_remaining_time_in_millis(self) -> int:
        return 30_000 - 20 * (sum(self._calls.values()) - self._start)


class FaultInjector:
    """botocore hooks: fail calls of one service at `rate`, or kill invocations; count what SNS really took."""

    def __init__(self, fault_class: str, rate: float, seed: int) -> None:
        self.fault_class = fault_class
        self.rate = rate
        self.rng = random.Random(seed)
        self.enabled = True
        self.dead = False
        self.kill_at: int | None = None
        self.calls: Counter[str] = Counter()
        self.faults = 0
        self.pages: Counter[str] = Counter()  # dedup key → messages SNS accepted
        self.message_ids: set[str] = set()
        # Kills that fell on the first AWS call after a publish: the page went out but nothing could record it, so
        # the retry cannot know (SNS keeps no record to ask) and publishes again. At least once, by design.
        self.unknowable: Counter[str] = Counter()
        self._just_published: str | None = None
        self.unanswered: Counter[str] = Counter()  # pages SNS accepted whose answer was lost, by dedup key

    def arm_kill(self, records: int) -> None:
        """Maybe (60%) kill the coming invocation at one of its AWS calls (about 8 a record)."""
        self.dead = False
        self.kill_at = None
        if self.enabled and self.fault_class == "kill" and self.rng.random() < 0.6:
            self.kill_at = sum(self.calls.values()) + self.rng.randint(1, 8 * records)

    def before_call(self, event_name: str, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError, ReadTimeoutError

        service, operation = event_name.split(".")[1:3]
        self.calls[service] += 1
        just_published, self._just_published = self._just_published, None
        if self.dead or (self.kill_at is not None and sum(self.calls.values()) >= self.kill_at):
            if not self.dead and just_published is not None:
                self.unknowable[just_published] += 1
            self.dead = True
            raise Killed(f"killed at {service}.{operation}")
        if service == "comprehend":  # moto has no batch calls: answer as Comprehend would, unless failing
            if self._fails("comprehend"):
                raise ReadTimeoutError(endpoint_url="https://comprehend.us-east-1.amazonaws.com")
            from botocore.awsrequest import AWSResponse

            return AWSResponse("https://comprehend", 200, {}, None), _comprehend_answer(operation, kwargs["params"])
        if self._fails(service) and self.rng.random() < 0.5:
            if self.rng.random() < 0.5:
                raise ReadTimeoutError(endpoint_url=f"https://{service}.us-east-1.amazonaws.com")
            code = "ThrottlingException" if service == "dynamodb" else "InternalError"
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)
        return None

    def remember_message(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["issue13_message"] = params.get("Message")

    def after_call(self, event_name: str, http_response: Any, parsed: Any, context: Any, **_: Any) -> None:
        from botocore.exceptions import ReadTimeoutError

        service, operation = event_name.split(".")[1:3]
        published = None
        if service == "sns" and operation == "Publish" and "MessageId" in parsed:
            published = json.loads(json.loads(context["issue13_message"])["sqs"])["dedup_key"]
            self.pages[published] += 1
            self.message_ids.add(parsed["MessageId"])
            self._just_published = published
        if self._fails(service) and service != "comprehend":  # the call took effect; its answer is lost
            if published is not None:
                self.unanswered[published] += 1  # SNS took the page, the caller cannot know: it publishes again
            raise ReadTimeoutError(endpoint_url=f"https://{service}.us-east-1.amazonaws.com")

    def _fails(self, service: str) -> bool:
        if not self.enabled or service != self.fault_class:
            return False
        if self.rng.random() < self.rate:
            self.faults += 1
            return True
        return False


def _comprehend_answer(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    texts = json.loads(params["body"])["TextList"] if isinstance(params.get("body"), bytes | str) else []
    if operation == "BatchDetectDominantLanguage":
        results = [{"Index": i, "Languages": [{"LanguageCode": "en", "Score": 0.99}]} for i in range(len(texts))]
    else:
        results = [
            {
                "Index": i,
                "Sentiment": "NEGATIVE" if "awful" in text or "never" in text else "POSITIVE",
                "SentimentScore": {"Positive": 0.05, "Negative": 0.9, "Neutral": 0.04, "Mixed": 0.01},
            }
            for i, text in enumerate(texts)
        ]
    return {"ResultList": results, "ErrorList": [], "ResponseMetadata": {"HTTPStatusCode": 200}}


def _message(index: int, rng: random.Random, clock: FakeClock) -> dict[str, Any]:
    kind = rng.random()
    text = URGENT_TEXT if kind < 0.3 else RESPOND_TEXT if kind < 0.6 else CALM_TEXT
    body = {
        "source": "standard",
        "mention": {
            "platform": "webhook",
            "native_id": f"fault-{index}",
            "text": f"{text} #{index}",
            "author": {"handle": f"author{index}"},
            "created_at": (clock() - timedelta(minutes=1)).isoformat(),
            "received_at": clock().isoformat(),
            "match": {"brand": f"brand{index % 97}"},  # few urgent per brand: pages, not one storm
        },
        "raw": {"id": f"fault-{index}", "text": text},
    }
    return {"id": str(uuid.uuid4()), "body": json.dumps(body), "receives": 0, "native_id": f"fault-{index}"}


def run(fault_class: str, mentions: int = 1000, rate: float = 0.1, seed: int = 13) -> Figures:
    """One fault class over `mentions` mentions; returns the figures. Needs fake AWS credentials set."""
    import boto3
    from moto import mock_aws

    from mentionwatch import aws as aws_clients
    from mentionwatch import wiring
    from mentionwatch.local.template import Template, load_template
    from mentionwatch.settings import AlertingSettings
    from tests.support import ROOT, load_handler

    figures = Figures(fault_class, mentions)
    rng = random.Random(seed)
    clock = FakeClock()
    with mock_aws():
        aws_clients.reset_clients()
        dynamodb, sns = boto3.client("dynamodb"), boto3.client("sns")
        props = Template(load_template(ROOT / "template.yaml")).resources["MentionsTable"]["Properties"]
        dynamodb.create_table(
            TableName="mentions",
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
            BillingMode="PAY_PER_REQUEST",
        )
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        saved_env = dict(os.environ)
        saved_clock = wiring.utc_clock
        os.environ.update(
            {
                "MENTIONWATCH_TABLE": "mentions",
                "MENTIONWATCH_ALERTS_TOPIC_ARN": topic,
                "MENTIONWATCH_ANALYZER": "comprehend" if fault_class == "comprehend" else "local",
                "POWERTOOLS_LOG_LEVEL": "CRITICAL",  # thousands of expected failures: figures, not log lines
                "POWERTOOLS_METRICS_DISABLED": "true",
                # Without a namespace Powertools raises when the handler flushes its metrics: every invocation
                # would fail after its work and return the whole batch (the bench has no conftest to set it).
                "POWERTOOLS_METRICS_NAMESPACE": "MentionwatchFaults",
            }
        )
        wiring.utc_clock = clock  # type: ignore[assignment]
        try:
            process = load_handler("process")
            settings = AlertingSettings.from_environ(os.environ)
            pager = wiring.urgent_pager(settings)
            dispatcher = wiring.alert_dispatcher(settings, settings.table_name, settings.alerts_topic_arn)
            dispatcher._sleep = lambda _: None  # no real waiting between outcome-write retries
            injector = FaultInjector(fault_class, rate, seed)
            for service in ("dynamodb", "sns", "comprehend"):
                events = aws_clients.client(service).meta.events
                events.register_first(f"before-call.{service}", injector.before_call, unique_id=f"faults-{service}")
                events.register_first(f"after-call.{service}", injector.after_call, unique_id=f"faults-a-{service}")
            aws_clients.client("sns").meta.events.register(
                "provide-client-params.sns.Publish", injector.remember_message, unique_id="faults-publish"
            )
            process._processor()._pager._alerter._dispatcher._sleep = lambda _: None

            queue = [_message(i, rng, clock) for i in range(mentions)]
            dlq: list[dict[str, Any]] = []

            def drain(faulty: bool) -> None:
                injector.enabled = faulty
                while queue:
                    figures.rounds += 1
                    taken, queue[:] = queue[:BATCH], queue[BATCH:]
                    for message in taken:
                        message["receives"] += 1
                        figures.receives += 1
                    event = {"Records": [_record(message) for message in taken]}
                    injector.arm_kill(len(taken))
                    failed: set[str]
                    try:
                        result = process.lambda_handler(event, ShrinkingContext(injector.calls))
                        failed = {failure["itemIdentifier"] for failure in result["batchItemFailures"]}
                    except Killed:
                        figures.kills += 1
                        failed = {message["id"] for message in taken}
                    except Exception:  # the whole invocation failed: every record comes back
                        failed = {message["id"] for message in taken}
                    finally:
                        injector.dead, injector.kill_at = False, None
                    for message in taken:
                        if message["id"] not in failed:
                            continue
                        if message["receives"] >= MAX_RECEIVES:
                            dlq.append(message)
                            figures.dlq_moves += 1
                        else:
                            queue.append(message)
                    clock.now += timedelta(seconds=20)
                    sweep(faulty)

            def sweep(faulty: bool) -> None:
                injector.enabled = faulty
                for job in (pager.sweep_unpaged, pager.sweep_unclocked, dispatcher.sweep):
                    try:
                        job()
                    except Exception as err:  # a failed scheduled run is retried by the next one
                        figures.details.append(f"sweep failed: {type(err).__name__}")

            drain(faulty=True)
            # Operators redrive the DLQ (README, "DLQ redrive"); the dependency is back by then.
            for message in dlq:
                message["receives"] = 0
            queue.extend(dlq)
            dlq.clear()
            drain(faulty=False)
            for _ in range(4):  # the scheduled sweeps, a few minutes apart, with nothing failing
                clock.now += timedelta(minutes=3)
                sweep(faulty=False)

            figures.faults = injector.faults
            _count(figures, dynamodb, injector, queue)
        finally:
            wiring.utc_clock = saved_clock  # type: ignore[assignment]
            os.environ.clear()
            os.environ.update(saved_env)
            aws_clients.reset_clients()
    return figures


def _record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["id"],
        "receiptHandle": message["id"],
        "body": message["body"],
        "attributes": {"ApproximateReceiveCount": str(message["receives"])},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mentions",
        "awsRegion": "us-east-1",
    }


def _count(figures: Figures, dynamodb: Any, injector: FaultInjector, queue: list[dict[str, Any]]) -> None:
    from mentionwatch.store.items import AlertState, MentionItem

    stored: dict[str, MentionItem] = {}
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(
        TableName="mentions", FilterExpression="sk = :sk", ExpressionAttributeValues={":sk": {"S": "MENTION"}}
    ):
        for item in page["Items"]:
            mention = MentionItem.from_item(item)
            stored[mention.mention.native_id] = mention
    figures.stored = len(stored)
    figures.lost = figures.mentions - len(stored)
    urgent = [item for item in stored.values() if item.triage.is_urgent]
    figures.urgent = len(urgent)
    published = injector.pages
    for item in urgent:
        record = item.alerts[-1] if item.alerts else None
        if item.alert_state not in (AlertState.SENT, AlertState.MERGED) or record is None:
            figures.unpaged += 1
            figures.details.append(f"unpaged {item.id}: {item.alert_state.value}")
        elif record.channel.startswith("merged:") and published[record.channel.removeprefix("merged:")] == 0:
            figures.unpaged += 1
            figures.details.append(f"{item.id} merged into {record.channel}, never published")
        elif record.channel == "sns" and record.message_id not in injector.message_ids:
            figures.unpaged += 1
            figures.details.append(f"{item.id} records message {record.message_id}, which SNS never took")
    needing_clocks = [item for item in stored.values() if item.needs_respond_clock]
    figures.respond = len(needing_clocks)
    for item in needing_clocks:
        key = {"pk": {"S": f"SLA#mention:{item.id}"}, "sk": {"S": "SLA"}}
        if "Item" not in dynamodb.get_item(TableName="mentions", Key=key):
            figures.unclocked += 1
            figures.details.append(f"no respond clock for {item.id}")
    figures.pages = sum(published.values())
    unknowable = injector.unknowable
    figures.unknowable_kills = sum(unknowable.values())
    # A page SNS accepted but whose answer never arrived is published again (at-least-once: nobody can tell it
    # went out); any other second publish is a duplicate mentionwatch caused.
    repeats = {key: count - 1 for key, count in published.items() if count > 1}
    lost_answers = {key: min(extra - unknowable[key], injector.unanswered[key]) for key, extra in repeats.items()}
    figures.republished = sum(max(extra, 0) for extra in lost_answers.values())
    figures.duplicate_pages = sum(
        max(extra - unknowable[key] - max(lost_answers[key], 0), 0) for key, extra in repeats.items()
    )
    figures.details.extend(
        f"duplicate {key} x{extra + 1}"
        for key, extra in repeats.items()
        if extra - unknowable[key] - max(lost_answers[key], 0) > 0
    )
