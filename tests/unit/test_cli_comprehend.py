"""`mentionwatch classify --analyzer comprehend` against the real `ComprehendAnalyzer`: a botocore Stubber stands in
for the service (in-process), and the installed command runs in a subprocess for the no-region, no-credentials and
unreachable-endpoint cases, where the SDK itself must fail. A service that does not answer exits 3 with one line on
stderr; `--fallback local` scores those rows locally instead and says so in each row and on stderr. In a function,
the same fallback is counted in the EMF metric `ComprehendFallbacks` that an alarm watches."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from mentionwatch import aws
from mentionwatch.cli import main
from mentionwatch.sentiment import comprehend

TEXTS = [
    "The staff were wonderful, thank you!",
    "Worst service ever, still waiting for my refund.",
    "What time does the shop open on Sunday?",
]


@pytest.fixture
def mentions_csv(tmp_path: Path) -> Path:
    path = tmp_path / "mentions.csv"
    path.write_text("message\n" + "".join(f'"{text}"\n' for text in TEXTS), encoding="utf-8")
    return path


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch):
    """The CLI's Comprehend client, with responses queued by the test (any unqueued call fails it)."""
    client = boto3.client("comprehend", region_name="eu-west-1")
    monkeypatch.setattr(aws, "client", lambda service: client if service == "comprehend" else pytest.fail(service))
    comprehend.metrics.clear_metrics()
    with Stubber(client) as stubber:
        yield stubber
    comprehend.metrics.clear_metrics()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def english(count: int) -> dict[str, Any]:
    return {
        "ResultList": [{"Index": i, "Languages": [{"LanguageCode": "en", "Score": 0.99}]} for i in range(count)],
        "ErrorList": [],
    }


def sentiments(*labels: str) -> dict[str, Any]:
    def scores(label: str) -> dict[str, float]:
        values = {"Positive": 0.01, "Negative": 0.01, "Neutral": 0.01, "Mixed": 0.01}
        values[label.capitalize()] = 0.97
        return values

    return {
        "ResultList": [
            {"Index": i, "Sentiment": label, "SentimentScore": scores(label)} for i, label in enumerate(labels)
        ],
        "ErrorList": [],
    }


def fallback_metric() -> float:
    metric = comprehend.metrics.metric_set.get(comprehend.FALLBACK_METRIC)
    return sum(metric["Value"]) if metric else 0


def test_classify_scores_every_row_with_comprehend(stub: Stubber, mentions_csv: Path) -> None:
    # Given Comprehend detects English and scores the three rows
    stub.add_response("batch_detect_dominant_language", english(3), {"TextList": TEXTS})
    stub.add_response(
        "batch_detect_sentiment",
        sentiments("POSITIVE", "NEGATIVE", "NEUTRAL"),
        {"TextList": TEXTS, "LanguageCode": "en"},
    )
    # When classified with --analyzer comprehend
    code, out, err = run(
        "classify", "--input", str(mentions_csv), "--text-column", "message", "--analyzer", "comprehend"
    )
    # Then Comprehend's labels are in the output, and each row says Comprehend scored it
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0, err
    stub.assert_no_pending_responses()
    assert [row["sentiment"] for row in rows] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]
    assert {row["analyzer"] for row in rows} == {"comprehend"}
    assert err == ""


@pytest.mark.parametrize(
    ("call", "code", "status"),
    [
        ("batch_detect_dominant_language", "AccessDeniedException", 400),
        ("batch_detect_sentiment", "AccessDeniedException", 400),
        ("batch_detect_sentiment", "ThrottlingException", 400),
        ("batch_detect_sentiment", "InternalServerException", 500),
    ],
)
def test_comprehend_refusing_exits_3_with_one_line(
    stub: Stubber, mentions_csv: Path, call: str, code: str, status: int
) -> None:
    # Given Comprehend refuses one of its calls
    if call == "batch_detect_sentiment":
        stub.add_response("batch_detect_dominant_language", english(3), {"TextList": ANY})
    stub.add_client_error(call, service_error_code=code, service_message="refused", http_status_code=status)
    # When classifying without --fallback
    exit_code, out, err = run(
        "classify", "--input", str(mentions_csv), "--text-column", "message", "--analyzer", "comprehend"
    )
    # Then exit 3, nothing on stdout (no silent local scores), one line naming the service and the error
    assert exit_code == 3
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("mentionwatch classify: Comprehend did not answer")
    assert code in err
    assert "Traceback" not in err


def test_fallback_local_scores_what_comprehend_could_not_and_counts_it(stub: Stubber, mentions_csv: Path) -> None:
    # Given Comprehend detects the language and is then denied
    stub.add_response("batch_detect_dominant_language", english(3), {"TextList": ANY})
    stub.add_client_error("batch_detect_sentiment", service_error_code="AccessDeniedException", http_status_code=400)
    # When classifying with --fallback local
    code, out, err = run(
        "classify",
        "--input",
        str(mentions_csv),
        "--text-column",
        "message",
        "--analyzer",
        "comprehend",
        "--fallback",
        "local",
    )
    # Then every row is scored, by the local analyzer, and stderr says how many fell back (no EMF on stdout)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0, err
    assert len(rows) == 3
    assert {row["analyzer"] for row in rows} == {"local"}
    assert err == "3 rows scored by the local analyzer: Comprehend did not answer\n"
    assert fallback_metric() == 0


def test_failed_language_detection_falls_back_and_is_counted(stub: Stubber, mentions_csv: Path) -> None:
    # Given language detection fails (the sentiment call is never reached: no language, nothing to send)
    stub.add_client_error("batch_detect_dominant_language", service_error_code="ThrottlingException")
    # When classifying with --fallback local
    code, out, err = run(
        "classify",
        "--input",
        str(mentions_csv),
        "--text-column",
        "message",
        "--analyzer",
        "comprehend",
        "--fallback",
        "local",
    )
    # Then the rows are scored locally and counted
    assert code == 0
    assert {json.loads(line)["analyzer"] for line in out.splitlines()} == {"local"}
    assert err.startswith("3 rows scored by the local analyzer")


def test_in_a_function_the_fallback_is_counted_in_the_emf_metric() -> None:
    # Given the analyzer as the process function builds it, and Comprehend failing after detecting English
    from mentionwatch.sentiment.base import SentimentRequest
    from mentionwatch.sentiment.local import LocalAnalyzer

    client = boto3.client("comprehend", region_name="eu-west-1")
    comprehend.metrics.clear_metrics()
    requests = [SentimentRequest(text=text, language="en") for text in TEXTS] + [
        SentimentRequest(text="hei, kiitos paljon", language="fi")  # unsupported language: by design, not counted
    ]
    with Stubber(client) as stubber:
        stubber.add_client_error("batch_detect_sentiment", service_error_code="ThrottlingException")
        # When a batch is scored
        results = comprehend.ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
    # Then all four are scored locally, and the three the failed call left behind are in the metric
    try:
        assert [result.analyzer for result in results] == ["local"] * 4
        assert fallback_metric() == 3
        document = comprehend.metrics.serialize_metric_set()
        assert document["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "ComprehendFallbacks", "Unit": "Count"}]
    finally:
        comprehend.metrics.clear_metrics()


# --- the real command, where the SDK itself fails ------------------------------------------------------
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_command(tmp_path: Path, mentions_csv: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env |= {
        # nothing from this machine's AWS set-up, and no instance metadata lookup
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **environment,
    }
    argv = ["classify", "--input", str(mentions_csv), "--text-column", "message", "--analyzer", "comprehend"]
    return subprocess.run(
        [sys.executable, "-m", "mentionwatch.cli", *argv], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "Unable to locate credentials"),
        ({}, "no AWS region is set"),
        (
            {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"},
            "Could not connect to the endpoint URL",
        ),
    ],
    ids=["no-credentials", "no-region", "endpoint-unreachable"],
)
def test_the_command_exits_3_with_one_line_when_aws_does_not_answer(
    tmp_path: Path, mentions_csv: Path, environment: dict[str, str], expected: str
) -> None:
    # Given no credentials, no region, or an endpoint nobody answers on
    environment = environment | {"AWS_ENDPOINT_URL_COMPREHEND": f"http://127.0.0.1:{closed_port()}"}
    # When the installed command runs
    done = run_command(tmp_path, mentions_csv, **environment)
    # Then it exits 3 with one line on stderr (no traceback, no local scores on stdout)
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert expected in done.stderr
