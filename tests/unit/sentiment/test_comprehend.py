"""Comprehend adapter through botocore's Stubber: batching, language grouping, byte limits and the fallback."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from mentionwatch.models import Sentiment
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.comprehend import ComprehendAnalyzer, comprehend_language
from mentionwatch.sentiment.local import LocalAnalyzer


def scored(count: int, label: str = "NEGATIVE") -> dict:
    return {
        "ResultList": [
            {
                "Index": index,
                "Sentiment": label,
                "SentimentScore": {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.01, "Mixed": 0.01},
            }
            for index in range(count)
        ],
        "ErrorList": [],
    }


@pytest.fixture
def client():
    return boto3.client("comprehend", region_name="us-east-1")


def test_documents_are_sent_25_a_call_grouped_by_language(client):
    requests = [SentimentRequest(text=f"english {i}", language="en") for i in range(30)] + [
        SentimentRequest(text=f"español {i}", language="es-MX") for i in range(3)
    ]
    with Stubber(client) as stub:
        stub.add_response("batch_detect_sentiment", scored(25), {"TextList": ANY, "LanguageCode": "en"})
        stub.add_response("batch_detect_sentiment", scored(5), {"TextList": ANY, "LanguageCode": "en"})
        stub.add_response("batch_detect_sentiment", scored(3), {"TextList": ANY, "LanguageCode": "es"})
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
        stub.assert_no_pending_responses()
    assert len(results) == 33
    assert {result.analyzer for result in results} == {"comprehend"}
    assert results[32].language == "es"


def test_long_texts_are_cut_to_5000_utf8_bytes_on_a_character_boundary(client):
    text = "😀" * 2000  # 8,000 bytes
    sent: list[str] = []
    with Stubber(client) as stub:
        stub.add_response("batch_detect_sentiment", scored(1), {"TextList": ANY, "LanguageCode": "en"})
        client.meta.events.register(
            "provide-client-params.comprehend.BatchDetectSentiment", lambda params, **_: sent.extend(params["TextList"])
        )
        ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze([SentimentRequest(text=text, language="en")])
    assert len(sent[0].encode("utf-8")) <= 5000
    assert text.startswith(sent[0])


def test_language_is_detected_only_where_the_platform_gave_none(client):
    requests = [
        SentimentRequest(text="bonjour, très bien", language=None),
        SentimentRequest(text="fine", language="en"),
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "batch_detect_dominant_language",
            {"ResultList": [{"Index": 0, "Languages": [{"LanguageCode": "fr", "Score": 0.98}]}], "ErrorList": []},
            {"TextList": ["bonjour, très bien"]},
        )
        stub.add_response("batch_detect_sentiment", scored(1, "POSITIVE"), {"TextList": ANY, "LanguageCode": "fr"})
        stub.add_response("batch_detect_sentiment", scored(1), {"TextList": ["fine"], "LanguageCode": "en"})
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
        stub.assert_no_pending_responses()
    assert [result.label for result in results] == [Sentiment.POSITIVE, Sentiment.NEGATIVE]


def test_unsupported_languages_are_scored_locally_without_a_call(client):
    with Stubber(client):  # no responses queued: any call would fail the test
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(
            [SentimentRequest(text="Dit is geweldig", language="nl")]
        )
    assert results[0].analyzer == "local"


def test_a_throttled_call_falls_back_to_the_local_analyzer_and_says_so(client):
    requests = [SentimentRequest(text="This is terrible service", language="en")]
    with Stubber(client) as stub:
        stub.add_client_error("batch_detect_sentiment", service_error_code="ThrottlingException", http_status_code=400)
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
    assert results[0].analyzer == "local"
    assert results[0].label is Sentiment.NEGATIVE


def test_item_errors_fall_back_one_document_at_a_time(client):
    requests = [SentimentRequest(text="good", language="en"), SentimentRequest(text="awful, just awful", language="en")]
    response = scored(1, "POSITIVE") | {
        "ErrorList": [{"Index": 1, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "x"}]
    }
    with Stubber(client) as stub:
        stub.add_response("batch_detect_sentiment", response, {"TextList": ANY, "LanguageCode": "en"})
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
    assert [result.analyzer for result in results] == ["comprehend", "local"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en-GB", "en"), ("pt_BR", "pt"), ("zh-Hant", "zh-TW"), ("zh", "zh"), ("nl", None), (None, None)],
)
def test_platform_language_tags_map_onto_comprehend_codes(tag, expected):
    assert comprehend_language(tag) == expected


def test_after_one_failed_call_the_rest_of_the_batch_is_scored_locally_without_waiting(client):
    # Given 60 English documents (three calls' worth) and Comprehend failing on the first call
    requests = [SentimentRequest(text=f"terrible service {i}", language="en") for i in range(60)]
    with Stubber(client) as stub:
        stub.add_client_error("batch_detect_sentiment", service_error_code="ThrottlingException", http_status_code=400)
        # When the batch is analyzed (no further responses queued: a second call would fail the test)
        results = ComprehendAnalyzer(client, fallback=LocalAnalyzer()).analyze(requests)
        stub.assert_no_pending_responses()
    # Then every document was scored, all by the local analyzer
    assert len(results) == 60 and {result.analyzer for result in results} == {"local"}
