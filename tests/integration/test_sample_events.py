"""The sample events in events/ (`make events`, `sam local invoke -e`): one per function, each parses, and each
reaches its handler's domain code on moto - stamped at the current time the way `make events` writes them."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support import EVENTS, ROOT, drain_queue, load_handler

FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_events", ROOT / "scripts" / "make_events.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_events"] = module
    spec.loader.exec_module(module)
    return module


make_events = load_generator()
SAMPLE_OF = {  # function → its sample file in events/
    "webhook": "apigw-webhook-standard.json",
    "process": "sqs-process-batch.json",
    "api": "apigw-api-list-mentions.json",
    "ack": "apigw-ack.json",
    "poller": "schedule-poller-rss.json",
    "scheduler": "schedule-scheduler-escalation.json",
}


def strict_json(path: Path) -> Any:
    """json.load that refuses a repeated key (json.load would keep the last one silently)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        duplicated = {key for key in keys if keys.count(key) > 1}
        assert not duplicated, f"{path.name}: duplicate keys {sorted(duplicated)}"
        return dict(pairs)

    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)


def shape(value: Any) -> Any:
    """Keys and types, not values: what must not drift between the committed samples and a fresh `make events`."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def test_every_function_has_a_sample() -> None:
    assert sorted(SAMPLE_OF) == FUNCTIONS
    assert set(SAMPLE_OF.values()) == set(make_events.all_events(datetime.now(UTC), "whsec_eA==", "k" * 32))


@pytest.mark.parametrize("name", sorted(SAMPLE_OF.values()))
def test_committed_samples_parse_and_match_what_make_events_writes(name: str, tmp_path: Path) -> None:
    # Given the committed sample and a freshly generated one
    committed = strict_json(EVENTS / name)
    make_events.write_events(tmp_path, datetime.now(UTC), make_events.dev_signing_secret(), make_events.DEV_ACK_KEY)
    fresh = strict_json(tmp_path / name)
    # Then they have the same shape (only times, signatures and tokens differ)
    assert shape(committed) == shape(fresh)
    if name == "sqs-process-batch.json":  # and each queued body is itself strict JSON of the same shape
        for record_committed, record_fresh in zip(committed["Records"], fresh["Records"], strict=True):
            (tmp_path / "body.json").write_text(record_committed["body"])
            assert shape(strict_json(tmp_path / "body.json")) == shape(json.loads(record_fresh["body"]))


@pytest.fixture
def fresh_events(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """What `make events` writes now, read back from disk as sam local invoke would."""
    now = datetime.now(UTC).replace(microsecond=0)
    make_events.write_events(tmp_path, now, make_events.dev_signing_secret(), make_events.DEV_ACK_KEY)
    return {function: strict_json(tmp_path / name) for function, name in SAMPLE_OF.items()}


@pytest.fixture
def stack(deployed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sns: Any) -> dict[str, Any]:
    """Environment as events/env.json gives it, with local stand-ins for the secrets."""
    monkeypatch.setenv("MENTIONWATCH_ACK_KEY", make_events.DEV_ACK_KEY)
    monkeypatch.setenv("MENTIONWATCH_PUBLIC_BASE_URL", "https://sampleapi.execute-api.us-east-1.amazonaws.com")
    monkeypatch.setenv("MENTIONWATCH_DIGEST_TOPIC_ARN", sns.create_topic(Name="digest")["TopicArn"])
    watch = tmp_path / "watch.yaml"
    watch.write_text(
        "brands: [{name: acme, keywords: [acme]}]\n"
        "pollers: {rss: {feeds: [{name: blog, brand: acme, url: 'https://blog.example/feed', match_all: true}]}}\n"
    )
    monkeypatch.setenv("MENTIONWATCH_WATCH_FILE", str(watch))
    return deployed


class OneItemFeed:
    """The poller's HTTP transport, answering every request with an RSS feed of one post."""

    def send(self, request: Any) -> Any:
        from mentionwatch.pollers.http import HttpResponse

        body = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>blog</title><item><guid>post-1</guid>'
            "<title>acme lost my bags</title><link>https://blog.example/1</link>"
            "<pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"
        )
        return HttpResponse(status=200, headers={"content-type": "application/rss+xml"}, body=body.encode())


def test_each_sample_reaches_its_domain_code(stack, sqs, lambda_context, fresh_events) -> None:
    # webhook: the signed delivery is verified and queued, carrying its request id
    response = load_handler("webhook").lambda_handler(fresh_events["webhook"], lambda_context)
    assert response["statusCode"] == 202, response
    assert json.loads(response["body"])["accepted"] == 1
    queued = drain_queue(sqs, stack["queue"])
    assert [m["MessageAttributes"]["correlation_id"]["StringValue"] for m in queued] == [make_events.SAMPLE_REQUEST_ID]

    # process: both mentions are scored, triaged and stored; the urgent one opens an alert
    result = load_handler("process").lambda_handler(fresh_events["process"], lambda_context)
    assert result == {"batchItemFailures": []}
    alerts = drain_queue(sqs, stack["alerts"])
    assert len(alerts) == 1 and "/ack/" in json.loads(json.loads(alerts[0]["Body"])["Message"])["sms"]

    # api: the open queue lists them for an all-teams member
    response = load_handler("api").lambda_handler(fresh_events["api"], lambda_context)
    assert response["statusCode"] == 200, response
    listed = {item["id"] for item in json.loads(response["body"])["items"]}
    assert listed == {"webhook:sample-1", "webhook:sample-2"}

    # ack: the sample link acknowledges the alert the urgent sample opened
    response = load_handler("ack").lambda_handler(fresh_events["ack"], lambda_context)
    assert response["statusCode"] == 200, response
    assert "cknowledged" in response["body"]

    # poller: the rss poll fetches its feed (one item, answered here instead of the network) and queues it
    poller = load_handler("poller")
    settings, secrets, cursors, queue, _ = poller._dependencies()
    poller._dependencies = lambda: (settings, secrets, cursors, queue, OneItemFeed())
    report = poller.lambda_handler(fresh_events["poller"], lambda_context)
    assert report["source"] == "rss" and report["mentions"] == 1
    assert len(drain_queue(sqs, stack["queue"])) == 1

    # scheduler: the escalation job sweeps and runs the SLA clocks
    report = load_handler("scheduler").lambda_handler(fresh_events["scheduler"], lambda_context)
    assert report["job"] == "escalation"


def test_env_file_covers_every_template_variable_sam_local_would_leave_unset(template) -> None:
    """`sam local invoke --env-vars events/env.json` only overrides variables the template declares; every one
    that holds a reference (a resource of the stack) must be given, and nothing else can be."""
    env = strict_json(EVENTS / "env.json")
    functions = {fn.logical_id: fn for fn in template.functions()}

    def names_a_resource(value: Any) -> bool:  # sam local cannot resolve a resource of a stack it has not made
        if not isinstance(value, dict):
            return False
        if "Ref" in value:
            return value["Ref"] in template.resources
        return "Fn::GetAtt" in value

    assert set(env) - {"Parameters"} == set(functions)
    for name, fn in functions.items():
        declared = set(fn.environment)
        given = set(env[name]) | set(env["Parameters"])
        assert set(env[name]) <= declared, f"{name}: sam local ignores {sorted(set(env[name]) - declared)}"
        references = {variable for variable, value in fn.environment.items() if names_a_resource(value)}
        assert references, name
        assert references <= given, f"{name}: env.json leaves {sorted(references - given)} unset"
