"""`mentionwatch replay`: a JSONL stream of mentions through the whole pipeline, in virtual time.

Each line is a Standard Webhooks event as in `events/mention-stream.jsonl` (`type`, `timestamp`, `data`). The
replay builds the stack in process on moto (`mock_aws`: the table from `template.yaml`, the alerts and digest
topics), then walks a virtual clock minute by minute from the first event until every SLA clock, escalation and
acknowledgement has played out (24 hours after the last event at most; `--tail` sets a fixed stretch instead):

- each minute's events are one SQS-like batch through the process step (sentiment, triage, store, incidents,
  pages), the clock standing at each event's `timestamp`;
- the schedules run on the virtual clock as deployed: escalation every minute (pending pages, SLA clocks, SLA
  summaries), spike detection every 5 minutes, the digest at 07:00 UTC (and for the last day at the end);
- `--ack-after MINUTES` taps the acknowledge link of every page that many minutes after it went out (`never`:
  nobody acknowledges, so escalation plays out).

Every publish is printed as one JSON line (`at`, `kind`, `incident`, `team`, `severity`, `channel`, `sms`,
`email_subject`, `phones`), and a summary line last. `sms` is the text only when an SMS subscription of
`template.yaml` (its filter policy) would receive the publish; `phones` names those subscriptions.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from mentionwatch.alerts.ack import AckSigner
from mentionwatch.alerts.acknowledge import Acknowledger
from mentionwatch.alerts.digest import DigestJob
from mentionwatch.alerts.dispatch import AlertDispatcher
from mentionwatch.alerts.messages import AlertMessage
from mentionwatch.alerts.oncall import OnCall
from mentionwatch.alerts.policy import EscalationConfig, default_config, parse_config
from mentionwatch.alerts.sla import EscalationJob
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.alerts.spike import SpikeJob
from mentionwatch.exceptions import MentionwatchError
from mentionwatch.pipeline.process import MentionProcessor
from mentionwatch.sentiment.local import LocalAnalyzer
from mentionwatch.sources.base import InboundRequest, QueuedMention
from mentionwatch.sources.standard_webhooks import Envelope, StandardWebhooksSource
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.urls_dynamodb import UrlClaims
from mentionwatch.triage.engine import default_triager
from mentionwatch.triage.rules import load_rules_text

TABLE = "mentionwatch-replay"
BASE_URL = "https://mw.example"  # a short public base URL, as the README recommends for SMS
ACK_KEY = "replay-acknowledge-signing-key-not-secret"
BATCH = 10  # an SQS batch
_ACK_TOKEN = re.compile(r"/ack/([A-Za-z0-9_-]{24})")
# Used when no template.yaml is at hand: the SMS subscriptions the template declares (alerts/README.md).
DEFAULT_PHONES: dict[str, dict[str, list[str]]] = {
    "SocialOnCallSmsSubscription": {
        "team": ["social", "safety", "legal", "trust-and-safety"],
        "route": ["oncall"],
        "severity": ["high", "critical"],
    },
    "SupportOnCallSmsSubscription": {
        "team": ["customer-care", "operations"],
        "route": ["oncall"],
        "severity": ["high", "critical"],
    },
    "OnCallLeadSmsSubscription": {"route": ["oncall-lead"]},
}


class ReplayInputError(MentionwatchError):
    """A line of the stream that is not a mention event: named by its line number."""

    status = 400
    code = "replay_input"


@dataclass(frozen=True)
class StreamEvent:
    line: int
    at: datetime
    envelope: Envelope
    raw: bytes


@dataclass(order=True)
class _Ack:
    at: datetime
    token: str = field(compare=False)


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def read_stream(lines: Iterable[str]) -> list[StreamEvent]:
    """Parse and order the stream (stable for equal timestamps). Blank lines are skipped."""
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            envelope = Envelope.model_validate_json(line)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(line)"
            raise ReplayInputError(f"line {number}: {where}: {first['msg']}", field=f"line {number}") from None
        stamp = envelope.timestamp or _created_at(envelope.data)
        if stamp is None:
            raise ReplayInputError(f"line {number}: no timestamp (nor data.created_at)", field=f"line {number}")
        events.append(StreamEvent(number, stamp, envelope, line.encode("utf-8")))
    if not events:
        raise ReplayInputError("the stream holds no events", field="input")
    return sorted(events, key=lambda event: event.at)


def _created_at(data: dict[str, Any]) -> datetime | None:
    value = data.get("created_at")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def phone_filters(template_path: Path | None) -> dict[str, dict[str, list[str]]]:
    """The SMS subscriptions of the template that filter (an unfiltered phone would get everything)."""
    if template_path is None or not template_path.exists():
        return DEFAULT_PHONES
    from mentionwatch.local.template import Template, load_template

    template = Template(load_template(template_path))
    phones = {}
    for name, resource in template.of_type("AWS::SNS::Subscription").items():
        properties = resource.get("Properties", {})
        policy = properties.get("FilterPolicy")
        if properties.get("Protocol") == "sms" and isinstance(policy, dict):
            phones[name] = {key: [str(value) for value in values] for key, values in policy.items()}
    return phones or DEFAULT_PHONES


def matching_phones(attributes: dict[str, str], phones: dict[str, dict[str, list[str]]]) -> list[str]:
    def holds(key: str, allowed: list[str]) -> bool:
        values = attributes.get(key, "").split(",") if key == "route" else [attributes.get(key, "")]
        return any(value in allowed for value in values)

    return [name for name, policy in phones.items() if all(holds(key, values) for key, values in policy.items())]


class RecordingPublisher(SnsPublisher):
    """The SNS adapter (on moto) that also hands every accepted publish to the replay."""

    def __init__(self, client: Any, topic_arn: str, on_publish: Callable[[AlertMessage], None]) -> None:
        super().__init__(client, topic_arn)
        self._on_publish = on_publish

    def publish(self, alert: AlertMessage) -> str:
        message_id = super().publish(alert)
        self._on_publish(alert)
        return message_id


AUTO_TAIL = timedelta(hours=24)


@dataclass
class ReplayOptions:
    ack_after: int | None = 5
    tail_minutes: int | None = None  # None: until no alerting work is due any more (at most AUTO_TAIL)
    rules_text: str | None = None
    config: EscalationConfig = field(default_factory=default_config)
    template: Path | None = None
    digest: bool = True
    # True: the stores' DynamoDB calls go through boto3 and the wire format, as in the tests (2.5x slower); False:
    # straight to moto's handler (local/direct.py).
    wire: bool = False


@dataclass
class ReplayResult:
    publishes: list[dict[str, Any]]
    summary: dict[str, Any]
    messages: list[AlertMessage] = field(default_factory=list)  # what each publish carried, in full


class Replay:
    """The stack in process on moto, driven by a virtual clock. Use inside `mock_aws()`."""

    def __init__(self, start: datetime, options: ReplayOptions, emit: Callable[[dict[str, Any]], None]) -> None:
        import boto3

        from mentionwatch.local.template import Template, load_template

        self.options = options
        self.clock = VirtualClock(start)
        self._emit = emit
        self.publishes: list[dict[str, Any]] = []
        self.messages: list[AlertMessage] = []
        self._acks: list[_Ack] = []
        self._tokens: set[str] = set()
        self.acknowledged = 0
        self.outcomes: Counter[str] = Counter()
        template_path = options.template
        self.phones = phone_filters(template_path)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        properties = (
            Template(load_template(template_path)).resources["MentionsTable"]["Properties"]
            if (template_path and template_path.exists())
            else _FALLBACK_TABLE
        )
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=properties["KeySchema"],
            AttributeDefinitions=properties["AttributeDefinitions"],
            GlobalSecondaryIndexes=properties["GlobalSecondaryIndexes"],
            BillingMode="PAY_PER_REQUEST",
        )
        sns = boto3.client("sns", region_name="us-east-1")
        alerts_topic = sns.create_topic(Name="mentionwatch-replay-alerts")["TopicArn"]
        digest_topic = sns.create_topic(Name="mentionwatch-replay-digest")["TopicArn"]
        config = options.config
        if not options.wire:
            from mentionwatch.local.direct import DirectDynamoDB

            dynamodb = DirectDynamoDB(region="us-east-1")
        self.mentions = MentionStore(dynamodb, TABLE)
        self.alerts = AlertStore(dynamodb, TABLE)
        signer = AckSigner(ACK_KEY, timedelta(hours=config.ack_link_hours))
        dispatcher = AlertDispatcher(
            RecordingPublisher(sns, alerts_topic, self._published),
            self.alerts,
            config,
            self.clock,
            signer=signer,
            public_base_url=BASE_URL,
        )
        self.oncall = OnCall(dispatcher, self.alerts, self.mentions, config, self.clock)
        self.processor = MentionProcessor(
            store=self.mentions,
            analyzer=LocalAnalyzer(),
            triager=default_triager(options.rules_text),
            alerter=self.oncall,
            raw_ttl=timedelta(days=1),
            clock=self.clock,
            urls=UrlClaims(dynamodb, TABLE),
        )
        self.escalation = EscalationJob(dispatcher, self.alerts, self.mentions, config, self.clock)
        self.spikes = SpikeJob(
            dispatcher,
            self.alerts,
            self.mentions,
            config.spike,
            self.clock,
            team=config.crisis_team,
            sla_minutes=config.default_sla_minutes,
            incidents=self.oncall.incidents,
        )
        self.oncall.check_spikes_with(self.spikes.check)
        self.digests = DigestJob(
            RecordingPublisher(sns, digest_topic, self._published), self.alerts, self.mentions, self.clock
        )
        self.acknowledger = Acknowledger(signer, self.alerts, self.mentions, self.clock)
        self._source = StandardWebhooksSource()

    # --- publishes --------------------------------------------------------------------------------------
    def _published(self, message: AlertMessage) -> None:
        attributes = message.attributes
        phones = matching_phones(attributes, self.phones)
        record = {
            "at": self.clock().isoformat().replace("+00:00", "Z"),
            "kind": attributes.get("kind"),
            "incident": attributes.get("incident"),
            "team": attributes.get("team"),
            "severity": attributes.get("severity"),
            "channel": attributes.get("route"),
            "sms": message.sms if phones else None,
            "email_subject": message.email_subject,
            "phones": phones,
        }
        self.publishes.append(record)
        self.messages.append(message)
        self._emit(record)
        found = _ACK_TOKEN.search(message.sms) or _ACK_TOKEN.search(message.email_body)
        if found and self.options.ack_after is not None and found.group(1) not in self._tokens:
            self._tokens.add(found.group(1))
            heapq.heappush(self._acks, _Ack(self.clock() + timedelta(minutes=self.options.ack_after), found.group(1)))

    def _acknowledge_due(self) -> None:
        while self._acks and self._acks[0].at <= self.clock():
            ack = heapq.heappop(self._acks)
            try:
                if self.acknowledger.acknowledge(ack.token, actor="replay-oncall", via="replay").newly_acknowledged:
                    self.acknowledged += 1
            except MentionwatchError:
                self.outcomes["ack_failed"] += 1

    # --- time ---------------------------------------------------------------------------------------------
    def run(self, events: list[StreamEvent]) -> dict[str, Any]:
        started = time.perf_counter()
        minute = _floor(events[0].at)
        tail = self.options.tail_minutes
        end = _floor(events[-1].at) + (AUTO_TAIL if tail is None else timedelta(minutes=tail))
        by_minute: dict[datetime, list[StreamEvent]] = defaultdict(list)
        for event in events:
            by_minute[_floor(event.at)].append(event)
        days = sorted({event.at.date() for event in events})
        minutes = sorted(by_minute)
        upcoming = 0
        last_event: datetime | None = None
        spike_window = timedelta(minutes=self.options.config.spike.window_minutes)
        while minute <= end:
            self.clock.now = minute
            self._acknowledge_due()
            self._schedules(minute, last_event is not None and minute - last_event <= spike_window)
            for offset in range(0, len(by_minute.get(minute, [])), BATCH):
                self._batch(by_minute[minute][offset : offset + BATCH])
                last_event = minute
            while upcoming < len(minutes) and minutes[upcoming] <= minute:
                upcoming += 1
            if tail is None and upcoming >= len(minutes) and self._settled(minute, last_event):
                end = minute  # every SLA clock, escalation and acknowledgement has played out
                break
            minute = self._next_minute(minute, minutes[upcoming] if upcoming < len(minutes) else None, last_event)
        if self.options.digest:
            self.clock.now = end
            for day in days:
                self.digests.run(day)
        return self._summary(len(events), events[0].at, end, time.perf_counter() - started)

    def _settled(self, minute: datetime, last_event: datetime | None) -> bool:
        """Past the last spike window, with no acknowledgement to come and no alerting work due."""
        window = timedelta(minutes=self.options.config.spike.window_minutes)
        if last_event is not None and minute - last_event <= window:
            return False
        return not self._acks and self.alerts.next_due() is None

    def _next_minute(self, minute: datetime, next_event: datetime | None, last_event: datetime | None) -> datetime:
        """The next minute anything can happen: an event, an acknowledgement, due alerting work, a spike check
        while mentions are recent, the 07:00 digest. Idle stretches are skipped (nothing would run in them)."""
        following = minute + timedelta(minutes=1)
        window = timedelta(minutes=self.options.config.spike.window_minutes)
        if last_event is not None and following - last_event <= window:
            return following  # spike checks and incidents are live: walk minute by minute
        candidates = [moment for moment in (next_event, self._acks[0].at if self._acks else None) if moment]
        due = self.alerts.next_due()
        if due is not None:
            candidates.append(due)
        seven = following.replace(hour=7, minute=0)
        candidates.append(seven if seven >= following else seven + timedelta(days=1))
        return max(following, _ceil(min(candidates)))

    def _schedules(self, minute: datetime, recent: bool) -> None:
        self.escalation.run()
        if minute.minute % 5 == 0 and recent:
            self.spikes.run()
        if minute.hour == 7 and minute.minute == 0 and self.options.digest:
            self.digests.run()

    def _batch(self, events: list[StreamEvent]) -> None:
        items: list[tuple[QueuedMention, datetime]] = []
        for event in events:
            self.clock.now = max(self.clock.now, event.at)
            request = InboundRequest(
                source="standard", method="POST", headers={}, body=event.raw, received_at=self.clock.now
            )
            try:
                delivery = self._source.parse(request)
            except MentionwatchError as err:
                raise ReplayInputError(f"line {event.line}: {err.message}", field=f"line {event.line}") from None
            if delivery.ignored:
                self.outcomes["ignored"] += 1
            items.extend((item, event.at) for item in delivery.items)
        sentiments = self.processor.score([item for item, _ in items])
        with self.processor.batch():
            for item, at in items:
                self.clock.now = max(self.clock.now, at)
                self._acknowledge_due()
                outcome = self.processor.handle(item, sentiments.get(item.mention.id))
                self.outcomes[outcome.value] += 1

    # --- summary ------------------------------------------------------------------------------------------
    def _summary(self, lines: int, start: datetime, end: datetime, elapsed: float) -> dict[str, Any]:
        per_phone: Counter[str] = Counter(phone for record in self.publishes for phone in record["phones"])
        incidents = []
        for day in sorted({start.date() + timedelta(days=n) for n in range((end.date() - start.date()).days + 1)}):
            for incident in self.alerts.incidents_opened(day):
                current = self.alerts.get_incident(incident.key, incident.generation) or incident
                incidents.append(
                    {
                        "id": current.id,
                        "kind": current.kind.value,
                        "team": current.team,
                        "status": current.status.value,
                        "severity": current.severity,
                        "mentions": current.mentions,
                        "replies": current.replies,
                        "press": current.press,
                        "pages": current.pages,
                        "linked_pages": list(current.linked_pages),
                        "top_posts": [f"@{post.handle} {post.reach}" for post in current.top_posts],
                        "growth": [
                            [entry.at.strftime("%H:%M"), entry.mentions]
                            for entry in current.timeline
                            if entry.mentions is not None
                        ],
                    }
                )
        return {
            "summary": {
                "lines": lines,
                "from": start.isoformat().replace("+00:00", "Z"),
                "to": end.isoformat().replace("+00:00", "Z"),
                "mentions": dict(self.outcomes),
                "publishes": len(self.publishes),
                "by_kind": dict(Counter(str(record["kind"]) for record in self.publishes)),
                "sms": sum(1 for record in self.publishes if record["sms"]),
                "sms_by_phone": dict(per_phone),
                "acknowledged": self.acknowledged,
                "incidents": incidents,
                "elapsed_seconds": round(elapsed, 2),
            }
        }


def _floor(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil(moment: datetime) -> datetime:
    floor = _floor(moment)
    return floor if floor == moment else floor + timedelta(minutes=1)


_FALLBACK_TABLE: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"}
        for name in ("pk", "sk", *(f"GSI{n}{part}" for n in range(1, 6) for part in ("PK", "SK")))
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": f"GSI{n}",
            "KeySchema": [
                {"AttributeName": f"GSI{n}PK", "KeyType": "HASH"},
                {"AttributeName": f"GSI{n}SK", "KeyType": "RANGE"},
            ],
            "Projection": projection,
        }
        for n, projection in enumerate(
            (  # as template.yaml declares them (a test keeps the two equal)
                {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["reaction", "team", "platform", "sentiment_label"]},
                {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": [
                        "status",
                        "severity",
                        "reaction",
                        "team",
                        "platform",
                        "sentiment_label",
                        "deleted",
                    ],
                },
                {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["team"]},
                {"ProjectionType": "KEYS_ONLY"},
                {"ProjectionType": "KEYS_ONLY"},
            ),
            start=1,
        )
    ],
}


def default_template() -> Path | None:
    """`template.yaml` of the repository this package sits in (layers/mentionwatch/mentionwatch/…), if any."""
    for candidate in (Path.cwd() / "template.yaml", Path(__file__).resolve().parents[3] / "template.yaml"):
        if candidate.exists():
            return candidate
    return None


def replay(lines: Iterable[str], options: ReplayOptions, emit: Callable[[dict[str, Any]], None]) -> ReplayResult:
    """Run a stream through the pipeline on moto; `emit` gets each publish as it happens."""
    try:
        from moto import mock_aws
    except ImportError as err:  # moto is a development dependency
        raise ReplayInputError("replay needs moto: pip install 'moto[dynamodb,sns]'", field="moto") from err
    import os

    from mentionwatch.local import fastmoto

    fastmoto.install()  # moto's Query and response paths made fast enough for a day of mentions
    events = read_stream(lines)
    saved = {name: os.environ.get(name) for name in _FAKE_CREDENTIALS}
    os.environ.update({name: value for name, value in _FAKE_CREDENTIALS.items() if not os.environ.get(name)})
    try:
        with mock_aws():
            runner = Replay(_floor(events[0].at), options, emit)
            summary = runner.run(events)
            return ReplayResult(runner.publishes, summary, runner.messages)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "replay",
    "AWS_SECRET_ACCESS_KEY": "replay",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# --- the command ------------------------------------------------------------------------------------------
def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except OSError as err:
        raise ReplayInputError(f"cannot read {path}: {err.strerror}", field="input") from None


def main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config = default_config()
    if args.policy is not None:
        try:
            config = parse_config(args.policy.read_text(encoding="utf-8"), str(args.policy))
        except OSError as problem:
            raise ReplayInputError(f"cannot read {args.policy}: {problem.strerror}", field="--policy") from None
    if args.tail is not None and args.tail < 0:
        raise ReplayInputError("--tail cannot be negative", field="--tail")
    options = ReplayOptions(
        ack_after=args.ack_after,
        tail_minutes=args.tail,
        rules_text=load_rules_text(args.rules) if args.rules else None,
        config=config,
        template=args.template or default_template(),
        digest=not args.no_digest,
    )

    def emit(record: dict[str, Any]) -> None:
        if not args.summary_only:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    result = replay(_lines(args.input), options, emit)
    out.write(json.dumps(result.summary, ensure_ascii=False) + "\n")
    return 0
