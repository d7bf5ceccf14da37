"""`make bench`: one table of what a mention costs in CPU, AWS requests, write units, dollars and seconds.

    python bench/performance_bench.py [--mentions 1000] [--repeat 3] [--parts imports,latency,listing,replay]
                                      [--write-readme]

Everything runs here, in process, on the local stack's emulation (moto `mock_aws` with `local/fastmoto.py`):
- a realistic stream (bench/stream.py: real tweet texts, ~15% duplicate deliveries, ~10% reposts) is signed,
  posted to the webhook function and drained through the process function in batches of 100, with the deployed
  default analyzer (hybrid) in front of a stand-in Comprehend that answers like the service and counts units;
- every AWS request is counted per service with botocore's event hooks; DynamoDB write units are computed from
  the item sizes before and after each write, index copies included (each index's projection from template.yaml);
- CPU is thread CPU time; the emulation's share (moto answering) is measured and left out of the function's figure;
- cold imports are medians of fresh interpreters, CPU time, as a ratio to a bare `import boto3` (machine-independent);
- prices are us-east-1 list prices (on-demand DynamoDB, arm64 Lambda, HTTP API, SQS, Comprehend), stated below.
With `--write-readme` the README's "Performance" section is replaced by this table.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.stream import deliveries  # noqa: E402

# List prices, us-east-1 (per unit of what is counted).
COMPREHEND_PER_UNIT = 0.0001  # 100 characters, 3-unit minimum per document
DYNAMO_PER_WRITE_UNIT = 0.625 / 1e6  # on-demand
DYNAMO_PER_READ_UNIT = 0.125 / 1e6
LAMBDA_PER_REQUEST = 0.20 / 1e6
LAMBDA_PER_GB_SECOND = 0.0000133334  # arm64
SQS_PER_REQUEST = 0.40 / 1e6
HTTP_API_PER_REQUEST = 1.00 / 1e6
SNS_PER_PUBLISH = 0.50 / 1e6

PARTS = {"imports", "latency", "listing", "replay"}  # what --parts may leave out; the stream runs always run


# --- a stand-in Comprehend that answers like the service --------------------------------------------------
class FakeComprehend:
    """batch_detect_sentiment / batch_detect_dominant_language with the service's shapes; counts billed units.

    Its scores come from the local model with the label the service would most likely give (good enough for cost
    and routing figures; accuracy is measured on labelled data in bench/hybrid_bench.py)."""

    def __init__(self) -> None:
        from mentionwatch.sentiment.local import LocalAnalyzer

        self._local = LocalAnalyzer()
        self.units = 0
        self.documents = 0
        self.calls: Counter[str] = Counter()

    def _bill(self, texts: list[str]) -> None:
        for text in texts:
            self.units += max(3, math.ceil(len(text.encode()) / 100))
        self.documents += len(texts)

    def batch_detect_sentiment(self, TextList: list[str], LanguageCode: str) -> dict[str, Any]:  # noqa: N803
        self.calls["BatchDetectSentiment"] += 1
        self._bill(TextList)
        results = []
        for index, text in enumerate(TextList):
            negative, neutral, positive = self._local.probabilities(text)
            label = max((("NEGATIVE", negative), ("NEUTRAL", neutral), ("POSITIVE", positive)), key=lambda p: p[1])
            results.append(
                {
                    "Index": index,
                    "Sentiment": label[0],
                    "SentimentScore": {"Positive": positive, "Negative": negative, "Neutral": neutral, "Mixed": 0.0},
                }
            )
        return {"ResultList": results, "ErrorList": []}

    def batch_detect_dominant_language(self, TextList: list[str]) -> dict[str, Any]:  # noqa: N803
        self.calls["BatchDetectDominantLanguage"] += 1
        self._bill(TextList)
        return {
            "ResultList": [
                {"Index": i, "Languages": [{"LanguageCode": "en", "Score": 0.99}]} for i in range(len(TextList))
            ],
            "ErrorList": [],
        }


# --- DynamoDB write units ---------------------------------------------------------------------------------
def attribute_size(value: dict[str, Any]) -> int:
    """DynamoDB's item-size rules (developer guide, "Item sizes and formats"), close enough for billing."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return (len(str(inner).lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in inner)
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v)) for v in inner)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


class WriteMeter:
    """Write units of every DynamoDB write, from moto's stored item before and after it (index copies included)."""

    def __init__(self, indexes: list[dict[str, Any]], table_keys: tuple[str, str]) -> None:
        self.indexes = indexes
        self.table_keys = table_keys
        self.units = 0
        self.index_units = 0
        self.by_family: Counter[str] = Counter()  # write units by row family and operation, index copies included
        self.index_by_family: Counter[str] = Counter()
        self.writes_by_family: Counter[str] = Counter()
        self.operation = ""
        self._before: dict[int, list[tuple[str, dict[str, Any], dict[str, Any] | None]]] = {}

    def _projected(self, index: dict[str, Any], item: dict[str, Any] | None) -> dict[str, Any] | None:
        if not item:
            return None
        key_names = [key["AttributeName"] for key in index["KeySchema"]]
        if any(name not in item for name in key_names):
            return None
        projection = index.get("Projection", {"ProjectionType": "ALL"})
        kind = projection["ProjectionType"]
        if kind == "ALL":
            return item
        kept = set(key_names) | set(self.table_keys)
        if kind == "INCLUDE":
            kept |= set(projection.get("NonKeyAttributes", []))
        return {name: value for name, value in item.items() if name in kept}

    def charge(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        row = after or before or {}
        prefix = str(row.get("pk", {}).get("S", "?")).split("#", 1)[0]
        family = f"{prefix} {str(row.get('sk', {}).get('S', '?'))[:4]} {self.operation}"
        table_units = write_units(max(item_size(before), item_size(after)))
        self.units += table_units
        self.by_family[family] += table_units
        self.writes_by_family[family] += 1
        for index in self.indexes:
            old, new = self._projected(index, before), self._projected(index, after)
            if old == new:
                continue
            key_names = [key["AttributeName"] for key in index["KeySchema"]]
            moved = old is not None and new is not None and any(old[k] != new[k] for k in key_names)
            cost = 0
            if old is not None and (new is None or moved):
                cost += write_units(item_size(old))
            if new is not None:
                cost += write_units(item_size(new))
            self.index_units += cost
            self.units += cost
            self.by_family[family] += cost
            self.index_by_family[f"{family} {index['IndexName']}"] += cost


def moto_item(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    found = backend.get_table(table).get_item(DynamoType(key["pk"]), DynamoType(key["sk"]))
    return copy.deepcopy(found.to_json()["Attributes"]) if found is not None else None  # binary values are bytes


# --- counting AWS requests --------------------------------------------------------------------------------
class Meter:
    def __init__(self, table: str, writes: WriteMeter) -> None:
        self.requests: Counter[str] = Counter()
        self.read_units = 0.0
        self.table = table
        self.writes = writes
        self._pending = threading.local()

    def before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.requests[service] += 1
        if service != "dynamodb":
            return
        name = model.name
        keys: list[dict[str, Any]] = []
        if name in ("PutItem",):
            keys = [{"pk": params["Item"]["pk"], "sk": params["Item"]["sk"]}]
        elif name in ("UpdateItem", "DeleteItem"):
            keys = [params["Key"]]
        elif name == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        keys.append({"pk": item["pk"], "sk": item["sk"]})
                    else:
                        keys.append(request["DeleteRequest"]["Key"])
        elif name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                if kind == "Put":
                    keys.append({"pk": body["Item"]["pk"], "sk": body["Item"]["sk"]})
                elif kind in ("Update", "Delete"):
                    keys.append(body["Key"])
        elif name in ("GetItem", "Query", "BatchGetItem"):
            self.read_units += 0.5  # eventually consistent, under 4 KB (a rough floor, reads are cheap here)
        self.writes.operation = name
        self._pending.keys = [(key, moto_item(self.table, key)) for key in keys]

    def after(self, model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        for key, before in getattr(self._pending, "keys", []):
            after = moto_item(self.table, key)
            if before != after:
                self.writes.charge(before, after)
        self._pending.keys = []


# --- CPU accounting ---------------------------------------------------------------------------------------
class CpuMeter:
    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._depth = threading.local()

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        start = time.thread_time()
        try:
            yield
        finally:
            self.seconds[name] += time.thread_time() - start

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)
        meter = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            depth = getattr(meter._depth, name, 0)
            if depth:
                return original(*args, **kwargs)
            setattr(meter._depth, name, 1)
            try:
                with meter.part(name):
                    return original(*args, **kwargs)
            finally:
                setattr(meter._depth, name, 0)

        setattr(owner, attribute, timed)


# --- the stream through the in-process stack --------------------------------------------------------------
def run_stream(count: int, seed: int) -> dict[str, Any]:
    import moto.core.botocore_stubber as stubber_module

    from mentionwatch import aws
    from mentionwatch.local.demo import signed_headers
    from mentionwatch.local.stack import LocalStack
    from mentionwatch.pipeline import process as process_module
    from mentionwatch.sentiment import hybrid as hybrid_module
    from mentionwatch.triage import engine as engine_module

    comprehend = FakeComprehend()
    real_client = aws.client
    aws.client = lambda service: comprehend if service == "comprehend" else real_client(service)  # type: ignore[assignment]
    cpu = CpuMeter()
    cpu.wrap(stubber_module.BotocoreStubber, "process_request", "emulation")
    cpu.wrap(hybrid_module.HybridAnalyzer, "analyze", "sentiment")
    cpu.wrap(engine_module.RulesTriager, "triage", "triage")
    try:
        stack = LocalStack.in_process(REPO, parameter_overrides={"SentimentAnalyzer": "hybrid"})
        try:
            table = stack.physical("MentionsTable")
            props = stack.template.resolve(stack.template.resources["MentionsTable"]["Properties"])
            writes = WriteMeter(props.get("GlobalSecondaryIndexes", []), ("pk", "sk"))
            meter = Meter(table, writes)
            for service in ("dynamodb", "sqs", "sns"):
                events = real_client(service).meta.events
                events.register("before-parameter-build", meter.before)
                events.register("after-call", meter.after)
            secret = json.loads(Path(stack.environment_overrides["MENTIONWATCH_SECRETS_FILE"]).read_text())["standard"][
                "signing_secret"
            ]
            stream = deliveries(count, seed=seed)
            webhook_cpu = 0.0
            process_cpu = 0.0
            emulation_in_process = 0.0
            invocations: Counter[str] = Counter()
            original_invoke = stack.invoke

            def invoke(logical_id: str, event: dict[str, Any]) -> Any:
                nonlocal webhook_cpu, process_cpu, emulation_in_process
                invocations[logical_id] += 1
                emulation_before = cpu.seconds["emulation"]
                start = time.thread_time()
                try:
                    return original_invoke(logical_id, event)
                finally:
                    spent = time.thread_time() - start
                    emulated = cpu.seconds["emulation"] - emulation_before
                    if logical_id == "ProcessFunction":
                        process_cpu += spent
                        emulation_in_process += emulated
                    elif logical_id == "WebhookFunction":
                        webhook_cpu += spent - emulated

            stack.invoke = invoke  # type: ignore[method-assign]
            started = time.perf_counter()
            for number, event in enumerate(stream, 1):
                body = json.dumps(event).encode()
                status, _, _ = stack.http_request("POST", "/webhooks/standard", signed_headers(secret, body), body)
                assert status == 202, status
                if number % 100 == 0:
                    stack.drain_inline()
            stack.drain_inline()
            elapsed = time.perf_counter() - started
            sweep_escalation_schedule(stack)
            errors = list(stack.errors)
        finally:
            stack.stop()
    finally:
        aws.client = real_client  # type: ignore[assignment]
    del process_module
    return {
        "count": count,
        "elapsed": elapsed,
        "errors": errors,
        "requests": dict(meter.requests),
        "comprehend_calls": dict(comprehend.calls),
        "comprehend_units": comprehend.units,
        "comprehend_documents": comprehend.documents,
        "write_units": writes.units,
        "index_write_units": writes.index_units,
        "write_units_by_family": dict(writes.by_family),
        "index_units_by_family": dict(writes.index_by_family),
        "writes_by_family": dict(writes.writes_by_family),
        "read_units": meter.read_units,
        "process_cpu": process_cpu - emulation_in_process,
        "emulation_cpu": emulation_in_process,
        "webhook_cpu": webhook_cpu,
        "sentiment_cpu": cpu.seconds["sentiment"],
        "triage_cpu": cpu.seconds["triage"],
        "invocations": dict(invocations),
    }


# --- cold imports -----------------------------------------------------------------------------------------
def sweep_escalation_schedule(stack: Any) -> None:
    """The escalation schedule once, after the grace its sweeps wait (it runs every minute deployed): the respond
    clock sweep's reads and position writes, and the unpaged sweep's, belong in the stream's figures."""
    from mentionwatch import wiring
    from mentionwatch.local.schedules import ScheduleRunner
    from mentionwatch.store.keys import PAGE_GRACE

    real_clock = wiring.utc_clock
    later = datetime.now(UTC) + PAGE_GRACE + timedelta(minutes=1)
    wiring.utc_clock = lambda: later  # type: ignore[assignment]
    try:
        ScheduleRunner.from_template(stack.template, stack.invoke).trigger("Escalation")
    finally:
        wiring.utc_clock = real_clock  # type: ignore[assignment]


def import_seconds(code: str, path: list[str], bytecode: bool, run: int) -> float:
    """CPU seconds of `code` in a fresh, isolated interpreter."""
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", POWERTOOLS_TRACE_DISABLED="true")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # set on some machines: every "compiled" run would compile again
    args = [sys.executable, "-I"]
    if not bytecode:  # a read-only layer without .pyc: every module is compiled at import
        args += ["-B", "-X", f"pycache_prefix=/tmp/mentionwatch-bench-nopyc-{os.getpid()}-{run}"]
    program = (
        f"import sys, time; sys.path[:0] = {path!r}; start = time.process_time(); {code}; "
        "print(time.process_time() - start)"
    )
    result = subprocess.run([*args, "-c", program], capture_output=True, text=True, env=env, check=False)
    if result.returncode:
        raise RuntimeError(result.stderr[-800:])
    return float(result.stdout.strip().splitlines()[-1])


def import_ratio(path: list[str], site: list[str], repeat: int, bytecode: bool) -> float:
    """Median over `repeat` pairs of (`import app` / `import boto3`), each pair run back to back so that a change
    in the machine's load between runs moves both sides; a first pair writes the bytecode and is not counted."""
    ratios = []
    for run in range(repeat + 1):
        base = import_seconds("import boto3", site, bytecode, run)
        app = import_seconds("import app", path, bytecode, run)
        if run:
            ratios.append(app / base)
    return statistics.median(ratios)


def cold_imports(repeat: int) -> dict[str, float]:
    site = [str(REPO / "layers" / "mentionwatch")]
    ratios = {}
    for function in ("webhook", "process", "api", "ack", "scheduler", "poller"):
        ratios[function] = import_ratio([str(REPO / "functions" / function), *site], site, repeat, bytecode=True)
    webhook = [str(REPO / "functions" / "webhook"), *site]
    ratios["webhook (no bytecode)"] = import_ratio(webhook, site, repeat, bytecode=False)
    return ratios


# --- webhook → publish latency on the threaded local stack ------------------------------------------------
def publish_latency(samples: int) -> tuple[float, float]:
    import urllib.request

    from mentionwatch import aws
    from mentionwatch.local.demo import signed_headers
    from mentionwatch.local.stack import LocalStack

    published: dict[str, float] = {}

    def on_publish(params: dict[str, Any], **_: Any) -> None:
        # The page is JSON inside JSON (per-protocol messages): the marker sits among escapes, not between spaces.
        for number in re.findall(r"\blat-(\d+)\b", str(params.get("Message", ""))):
            published.setdefault(f"lat-{number}", time.perf_counter())

    latencies = []
    with LocalStack(REPO, parameter_overrides={"SentimentAnalyzer": "local"}) as stack:
        aws.client("sns").meta.events.register("before-parameter-build.sns.Publish", on_publish)
        secret = json.loads(Path(stack.environment_overrides["MENTIONWATCH_SECRETS_FILE"]).read_text())["standard"][
            "signing_secret"
        ]
        for number in range(samples):
            marker = f"lat-{number}"
            event = {
                "type": "mention.created",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "data": {
                    "id": marker,
                    "text": f"The charger caught fire in my kid's room, dangerous product {marker}",
                    "language": "en",
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "author": {"handle": f"parent{number}", "followers": 800},
                    "brand": f"brand{number}",  # one brand each: no storm merging, every mention pages
                    "url": f"https://social.example/{marker}",
                },
            }
            body = json.dumps(event).encode()
            request = urllib.request.Request(
                f"{stack.url}/webhooks/standard", data=body, headers=signed_headers(secret, body), method="POST"
            )
            sent = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                assert response.status == 202
            deadline = sent + 30
            while marker not in published and time.perf_counter() < deadline:
                time.sleep(0.005)
            if marker in published:
                latencies.append(published[marker] - sent)
            stack.drain()
    latencies.sort()
    if not latencies:
        return float("nan"), float("nan")
    return statistics.median(latencies), latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)]


# --- GET /mentions with many stored --------------------------------------------------------------------------
def list_latency(stored: int, samples: int = 7) -> float:
    """Median wall time of GET /mentions?limit=50 on the in-process stack with `stored` mentions in the table."""

    from mentionwatch import aws
    from mentionwatch.local.stack import LocalStack
    from mentionwatch.models import (
        Author,
        Match,
        Mention,
        Sentiment,
        SentimentResult,
        SentimentScores,
        TriageContext,
        TriagedMention,
    )
    from mentionwatch.store.items import MentionItem
    from mentionwatch.triage.engine import default_triager

    token = "bench-token-1234567890"  # noqa: S105 - the local stack's bearer token for this run
    stack = LocalStack.in_process(REPO, local_token=token)
    try:
        table = stack.physical("MentionsTable")
        triager = default_triager()
        sentiment = SentimentResult(label=Sentiment.NEGATIVE, scores=SentimentScores(negative=0.9), analyzer="local")
        start = datetime.now(UTC) - timedelta(days=1)
        rows = []
        for number in range(stored):
            mention = Mention(
                platform="webhook",
                native_id=f"stored-{number}",
                text=f"Flight {number} delayed again and nobody tells us anything",
                language="en",
                author=Author(handle=f"user{number % 997}", followers=100),
                created_at=start + timedelta(seconds=number * 5),
                match=Match(brand="northwind"),
            )
            triaged = TriagedMention(
                mention=mention, sentiment=sentiment, triage=triager.triage(mention, sentiment, TriageContext())
            )
            rows.append(MentionItem.from_triaged(triaged, stored_at=start).to_item())
        client = aws.client("dynamodb")
        for offset in range(0, len(rows), 25):
            client.batch_write_item(
                RequestItems={table: [{"PutRequest": {"Item": row}} for row in rows[offset : offset + 25]]}
            )
        timings = []
        for _ in range(samples):
            began = time.perf_counter()
            status, _, _ = stack.http_request("GET", "/mentions?limit=50", {"authorization": f"Bearer {token}"}, b"")
            timings.append(time.perf_counter() - began)
            assert status == 200, status
        return statistics.median(timings)
    finally:
        stack.stop()


def replay_rate(count: int) -> tuple[int, float]:
    """`mentionwatch replay` of `count` deliveries of the realistic stream, in a fresh process: (count, seconds)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stream.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for event in deliveries(count, seed=15):
                fh.write(json.dumps({**event, "timestamp": event["data"]["created_at"]}) + "\n")
        command = [sys.executable, "-m", "mentionwatch.cli", "replay", str(path), "--summary-only", "--tail", "0"]
        done = subprocess.run([*command, "--no-digest"], capture_output=True, text=True, check=True, cwd=REPO)
    summary = json.loads(done.stdout.strip().splitlines()[-1])["summary"]
    return count, float(summary["elapsed_seconds"])


# --- the table --------------------------------------------------------------------------------------------
def build_rows(
    runs: list[dict[str, Any]],
    ratios: dict[str, float],
    latency: tuple[float, float] | None,
    listing: tuple[int, float] | None,
    replayed: tuple[int, float] | None = None,
) -> list[tuple[str, str, str]]:
    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    count = runs[0]["count"]
    per_k = 1000 / count
    per_million = 1e6 / count
    requests: dict[str, float] = defaultdict(float)
    for service in {name for run in runs for name in run["requests"]}:
        requests[service] = statistics.median(run["requests"].get(service, 0) for run in runs) * per_k
    comprehend_requests = statistics.median(sum(run["comprehend_calls"].values()) for run in runs) * per_k
    units = median("comprehend_units")
    comprehend_cost = units * COMPREHEND_PER_UNIT * per_million
    # What Comprehend-for-everything costs: every delivery's text, 3-unit minimum (the baseline).
    all_units = sum(max(3, math.ceil(len(e["data"]["text"].encode()) / 100)) for e in deliveries(count, seed=15))
    write_units = median("write_units")
    dynamo_cost = (write_units * DYNAMO_PER_WRITE_UNIT + median("read_units") * DYNAMO_PER_READ_UNIT) * per_million
    process_invocations = statistics.median(run["invocations"].get("ProcessFunction", 0) for run in runs)
    webhook_invocations = statistics.median(run["invocations"].get("WebhookFunction", 0) for run in runs)
    # Lambda time: CPU measured here as the billed duration floor, plus the AWS round trips (~10 ms each).
    aws_calls = sum(requests.values()) + comprehend_requests
    lambda_seconds = (median("process_cpu") + median("webhook_cpu")) * per_million + aws_calls * 1000 * 0.010
    lambda_cost = (
        process_invocations + webhook_invocations
    ) * per_million * LAMBDA_PER_REQUEST + lambda_seconds * 0.5 * LAMBDA_PER_GB_SECOND
    sqs_cost = requests.get("sqs", 0) * 1000 * SQS_PER_REQUEST + process_invocations * per_million * 3 * SQS_PER_REQUEST
    api_cost = count * per_million * HTTP_API_PER_REQUEST
    sns_cost = requests.get("sns", 0) * 1000 * SNS_PER_PUBLISH
    total = comprehend_cost + dynamo_cost + lambda_cost + sqs_cost + api_cost + sns_cost
    cpu_ms = median("process_cpu") / count * 1000
    throughput = statistics.median(run["count"] / run["elapsed"] for run in runs)
    rows = [
        (
            "Process function CPU per mention",
            f"{cpu_ms:.2f} ms",
            f"thread CPU, moto's share left out; sentiment {median('sentiment_cpu') / count * 1000:.2f} ms, "
            f"triage {median('triage_cpu') / count * 1000:.2f} ms, the rest models, store and client calls",
        ),
        (
            "Emulation (moto) CPU per mention",
            f"{median('emulation_cpu') / count * 1000:.2f} ms",
            "inside the process function's AWS calls; not there when deployed",
        ),
        (
            "Webhook function CPU per delivery",
            f"{median('webhook_cpu') / count * 1000:.2f} ms",
            "verify signature, parse, enqueue; moto's share left out",
        ),
    ]
    for service in sorted(requests):
        rows.append(
            (
                f"{service} requests per 1,000 deliveries",
                f"{requests[service]:.0f}",
                "botocore before-call hooks, realistic stream",
            )
        )
    rows += [
        (
            "comprehend requests per 1,000 deliveries",
            f"{comprehend_requests:.1f}",
            f"{dict(runs[0]['comprehend_calls'])} in the first run",
        ),
        (
            "DynamoDB write units per delivery",
            f"{write_units / count:.2f}",
            f"item sizes before/after each write; index copies {median('index_write_units') / count:.2f} of it",
        ),
        (
            "Comprehend units per 1,000 deliveries",
            f"{units * per_k:.0f}",
            f"{units / all_units:.0%} of scoring every delivery ({all_units * per_k:.0f} units per 1,000)",
        ),
        ("Comprehend $ per million deliveries", f"${comprehend_cost:.2f}", "$0.0001 a unit, 3-unit minimum a document"),
        ("DynamoDB $ per million", f"${dynamo_cost:.2f}", "on-demand $0.625/M write units, $0.125/M read units"),
        (
            "Lambda $ per million",
            f"${lambda_cost:.2f}",
            "arm64 512 MB; measured CPU + 10 ms per AWS round trip; $0.20/M requests",
        ),
        (
            "SQS + API Gateway + SNS $ per million",
            f"${sqs_cost + api_cost + sns_cost:.2f}",
            "HTTP API $1/M; SQS $0.40/M requests (send, receive, delete); SNS $0.50/M publishes; SMS excluded",
        ),
        ("Total AWS $ per million deliveries", f"${total:.2f}", "target <= $100 (about $295 before this work)"),
    ]
    for function, ratio in ratios.items():
        rows.append(
            (
                f"Cold import: {function}",
                f"{ratio:.2f}x",
                "CPU of `import app` / `import boto3`, fresh interpreters run in pairs, median of the pairs",
            )
        )
    if latency is not None:
        rows.append(
            (
                "Webhook -> SNS publish p50 / p95",
                f"{latency[0] * 1000:.0f} / {latency[1] * 1000:.0f} ms",
                "threaded local stack over HTTP, urgent mentions one at a time",
            )
        )
    if listing is not None:
        rows.append(
            (
                f"GET /mentions?limit=50 with {listing[0]:,} stored",
                f"{listing[1] * 1000:.0f} ms",
                "in-process local stack, median of 7 requests, wall clock on this machine (target < 200 ms)",
            )
        )
    rows += [
        (
            "In-process replay throughput",
            f"{throughput:.0f} deliveries/s",
            f"webhook + queue + process on the in-process stack, {count} deliveries, wall clock on this machine",
        ),
    ]
    if replayed is not None:
        rate = replayed[0] / replayed[1]
        rows.append(
            (
                "`mentionwatch replay` throughput",
                f"{rate:.0f} deliveries/s",
                f"{replayed[0]:,} deliveries of the stream in virtual time in {replayed[1]:.0f} s (its own elapsed "
                "figure, a fresh process; target: 10,000 in under 60 s)",
            )
        )
    rows.append(
        ("Errors in the runs", str(sum(len(run["errors"]) for run in runs)), "function errors the stack recorded")
    )
    return rows


def render(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| Figure | Value | How it was measured |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {how} |" for name, value, how in rows]
    return "\n".join(lines)


def write_readme(table: str, args: argparse.Namespace) -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- performance-table:start -->", "<!-- performance-table:end -->"
    block = (
        f"{start}\n_Generated by `make bench` (`python bench/performance_bench.py --mentions {args.mentions} "
        f"--repeat {args.repeat} --write-readme`); medians of {args.repeat} runs._\n\n{table}\n{end}"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += f"\n## Performance\n\n{block}\n"
    readme.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-samples", type=int, default=20)
    parser.add_argument("--stored", type=int, default=10_000, help="mentions stored for the GET /mentions figure")
    parser.add_argument("--replayed", type=int, default=10_000, help="deliveries for the `mentionwatch replay` figure")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument(
        "--parts",
        default=",".join(sorted(PARTS)),
        help="comma-separated parts besides the stream runs: imports, latency, listing, replay (default: all)",
    )
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    began = time.perf_counter()

    def progress(what: str) -> None:
        print(f"bench: {what} ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)

    parts = {part for part in args.parts.split(",") if part}
    if unknown := parts - PARTS:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(PARTS))}")
    if args.write_readme and parts != PARTS:
        parser.error("--write-readme needs every part")
    runs = []
    for _ in range(args.repeat):
        runs.append(run_stream(args.mentions, seed=15))
        progress(f"stream run {len(runs)} of {args.repeat}")
    print(
        "DynamoDB write units per delivery by row family and operation (index copies included), then the index "
        "copies alone, first run:",
        file=sys.stderr,
    )
    for family, units in sorted(runs[0]["write_units_by_family"].items(), key=lambda pair: -pair[1]):
        writes = runs[0]["writes_by_family"][family]
        print(f"  {family:36} {units / args.mentions:.2f} ({writes / args.mentions:.2f} writes)", file=sys.stderr)
    for family, units in sorted(runs[0]["index_units_by_family"].items(), key=lambda pair: -pair[1]):
        print(f"  {family:36} {units / args.mentions:.2f} (index)", file=sys.stderr)
    ratios: dict[str, float] = {}
    if "imports" in parts:
        ratios = cold_imports(max(5, args.repeat))
        progress("cold imports")
    latency = None
    if "latency" in parts:
        latency = publish_latency(args.latency_samples)
        progress("publish latency")
    listing = None
    if "listing" in parts:
        listing = (args.stored, list_latency(args.stored))
        progress("GET /mentions")
    replayed = None
    if "replay" in parts:
        replayed = replay_rate(args.replayed)
        progress("mentionwatch replay")
    table = render(build_rows(runs, ratios, latency, listing, replayed))
    print(table)
    if args.write_readme:
        write_readme(table, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
