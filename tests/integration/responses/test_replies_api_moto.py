"""`POST /mentions/{id}/replies` through the real API handler on moto, with the platform scripted from its docs."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from mentionwatch.api.replies import RepliesApi
from mentionwatch.exceptions import ReplyCredentialsRejected, ReplyInDoubt
from mentionwatch.local.stack import LocalStack
from mentionwatch.local.template import HttpRoute
from mentionwatch.models import BrandAccount, Mention, MentionStatus, Platform
from mentionwatch.responses.dynamodb import ResponsesStore
from mentionwatch.responses.recording import BrandPostRecorder
from mentionwatch.responses.records import ReplyState
from mentionwatch.responses.replies import Replies
from mentionwatch.store.dynamodb import MentionStore
from tests.api_support import ALL_TEAMS_CLAIMS, check_against_openapi, item
from tests.support import EVENTS, load_handler
from tests.unit.responses.fakes import NOW, SECRET, ScriptedTransport, fixture

MENTION = "x:1862000000000000001"
ACCOUNT = "900000000000000001"
OTHER_AGENT = {"sub": "user-2", "email": "second@example.com", "aud": "client", "token_use": "id"} | {
    "cognito:groups": "[mentionwatch-all-teams]"
}


def reply_event(path: str, body: Any, claims: dict[str, str], template: str, params: dict[str, str]) -> dict[str, Any]:
    payload = json.dumps(body).encode()
    event = LocalStack.api_gateway_event(
        HttpRoute("ApiFunction", "POST", template),
        "POST",
        path,
        "",
        {"content-type": "application/json"},
        payload,
        params,
    )
    event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


class Harness:
    def __init__(
        self, handler: Any, context: Any, openapi: dict[str, Any], store: MentionStore, ledger: ResponsesStore
    ):
        self.handler, self.context, self.openapi, self.store, self.ledger = handler, context, openapi, store, ledger
        self.http = ScriptedTransport({"/2/tweets": [fixture("x", "created")]})
        self.approval_teams: frozenset[str] = frozenset()
        self.credentials: dict[str, str] = {"access_token": SECRET}

    def replies(self) -> Replies:
        def credentials(platform: Platform, account: str):
            if not self.credentials:
                raise ReplyCredentialsRejected(f"no credentials are stored for {platform.value} account {account}")
            return self.credentials

        return Replies(
            mentions=self.store,
            ledger=self.ledger,
            accounts=lambda brand, platform: ACCOUNT if (brand, platform) == ("acme", Platform.X) else None,
            credentials=credentials,
            http=self.http,
            clock=lambda: NOW,
            approval_teams=self.approval_teams,
        )

    def post(self, body: dict[str, Any], mention: str = MENTION, claims: dict[str, str] = ALL_TEAMS_CLAIMS) -> Any:
        self.handler._replies = lambda: RepliesApi(self.store, self.replies())
        event = reply_event(f"/mentions/{mention}/replies", body, claims, "/mentions/{id}/replies", {"id": mention})
        return self._answer(event, "/mentions/{id}/replies")

    def approve(self, key: str, claims: dict[str, str]) -> Any:
        self.handler._replies = lambda: RepliesApi(self.store, self.replies())
        path = f"/mentions/{MENTION}/replies/{key}/approve"
        event = reply_event(path, None, claims, "/mentions/{id}/replies/{key}/approve", {"id": MENTION, "key": key})
        event["body"] = ""
        return self._answer(event, "/mentions/{id}/replies/{key}/approve")

    def _answer(self, event: dict[str, Any], route: str) -> Any:
        response = self.handler.lambda_handler(event, self.context)
        headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
        body = json.loads(response["body"]) if response.get("body") else None
        operation = self.openapi["paths"][route]["post"]
        assert str(response["statusCode"]) in operation["responses"], (response["statusCode"], body)
        if "content" in operation["responses"][str(response["statusCode"])]:
            check_against_openapi(
                {"paths": {"/r": {"post": operation}}, "components": self.openapi["components"]},
                "POST",
                "/r",
                response["statusCode"],
                body,
            )
        return response["statusCode"], headers, body


@pytest.fixture
def harness(table, monkeypatch, lambda_context) -> Harness:
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    monkeypatch.delenv("MENTIONWATCH_CURSOR_SECRET_ID", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    handler = load_handler("api")
    openapi = json.loads(handler.app.get_openapi_json_schema())
    client = boto3.client("dynamodb")
    store = MentionStore(client, table)
    store.put_new(item("1862000000000000001", brand="acme", team="social", sla_minutes=30))
    return Harness(handler, lambda_context, openapi, store, ResponsesStore(client, table))


def request(
    key: str = "reply-key-0001", text: str = "@dana Sorry - DM us your file ref", **extra: Any
) -> dict[str, Any]:
    return {"text": text, "idempotency_key": key} | extra


def test_two_identical_requests_post_once_and_mark_the_mention_responded(harness):
    first = harness.post(request())
    second = harness.post(request())

    assert first[0] == 201 and second[0] == 200
    assert first[2]["post_id"] == second[2]["post_id"] == "x:1863000000000000042"
    assert first[2]["state"] == "posted" and first[2]["link"] == "https://x.com/i/web/status/1863000000000000042"
    assert len(harness.http.posts()) == 1
    stored = harness.store.get(MENTION, consistent=True)
    assert stored.status is MentionStatus.RESPONDED and stored.responded_at == NOW
    (response,) = [event for event in stored.history if event.action.value == "respond"]
    assert (response.via, response.response_id, response.response_account) == ("x", "x:1863000000000000042", ACCOUNT)
    assert response.actor == "agent@example.com"


def test_the_webhooks_echo_of_a_posted_reply_is_not_recorded_twice(harness):
    harness.post(request())
    echo = Mention(
        platform=Platform.X,
        native_id="1863000000000000042",
        text="@dana Sorry - DM us your file ref",
        author={"handle": "acme", "id": ACCOUNT},
        created_at=NOW,
        thread={"parent_id": "1862000000000000001"},
    )

    BrandPostRecorder(harness.store, harness.ledger, lambda: NOW).record(
        echo, BrandAccount(brand="acme", platform=Platform.X, account=ACCOUNT)
    )

    stored = harness.store.get(MENTION, consistent=True)
    assert [event.action.value for event in stored.history] == ["respond"]


def test_the_same_key_with_other_text_is_refused(harness):
    harness.post(request())

    status, _, body = harness.post(request(text="something else"))

    assert status == 409 and body["error"]["code"] == "idempotency_key_reused"
    assert len(harness.http.posts()) == 1


def test_a_crash_between_the_platform_call_and_the_record_does_not_post_twice(harness):
    class CrashAfterPost(ResponsesStore):
        crashed = False

        def replace_reply(self, record, expected_version):
            if record.state is ReplyState.POSTED and not CrashAfterPost.crashed:
                CrashAfterPost.crashed = True
                raise RuntimeError("function timed out")
            return super().replace_reply(record, expected_version)

    harness.ledger = CrashAfterPost(boto3.client("dynamodb"), harness.ledger._table)
    replies = harness.replies()
    mention = harness.store.get(MENTION, consistent=True)

    with pytest.raises(RuntimeError):
        replies.request(
            mention,
            "Sorry!",
            _public(),
            "crash-key-001",
            "agent",
        )
    with pytest.raises(ReplyInDoubt):
        replies.request(mention, "Sorry!", _public(), "crash-key-001", "agent")

    assert len(harness.http.posts()) == 1
    assert harness.ledger.get_reply(MENTION, "crash-key-001").state is ReplyState.SENDING
    # and the platform's echo of the post that did go out still marks the mention responded
    echo = Mention(
        platform=Platform.X,
        native_id="1863000000000000042",
        text="Sorry!",
        author={"handle": "acme", "id": ACCOUNT},
        created_at=NOW,
        thread={"parent_id": "1862000000000000001"},
    )
    account = BrandAccount(brand="acme", platform=Platform.X, account=ACCOUNT)
    assert BrandPostRecorder(harness.store, harness.ledger, lambda: NOW).record(echo, account) == MENTION
    assert harness.store.get(MENTION, consistent=True).status is MentionStatus.RESPONDED


def _public():
    from mentionwatch.lifecycle import ResponseKind

    return ResponseKind.PUBLIC_REPLY


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ("unauthorized", 424, "platform_credentials_rejected"),
        ("forbidden_permissions", 424, "platform_credentials_rejected"),
        ("rate_limited", 429, "platform_rate_limited"),
        ("deleted", 409, "reply_target_unavailable"),
        ("restricted", 409, "reply_target_unavailable"),
        ("server_error", 503, "platform_unavailable"),
    ],
)
def test_a_platform_refusal_is_a_problem_and_the_mention_stays_unanswered(harness, capsys, answer, status, code):
    harness.http = ScriptedTransport({"/2/tweets": [fixture("x", answer)]})

    got, headers, body = harness.post(request())

    assert (got, body["error"]["code"]) == (status, code)
    if status == 429:
        assert headers["retry-after"] == "900"
    stored = harness.store.get(MENTION, consistent=True)
    assert stored.status is MentionStatus.NEW and stored.responded_at is None and stored.history == ()
    assert harness.ledger.get_reply(MENTION, "reply-key-0001").state is ReplyState.FAILED
    assert SECRET not in json.dumps(body) and SECRET not in capsys.readouterr().out


def test_a_refused_reply_may_be_retried_with_the_same_key(harness):
    harness.http = ScriptedTransport({"/2/tweets": [fixture("x", "server_error"), fixture("x", "created")]})

    assert harness.post(request())[0] == 503
    status, _, body = harness.post(request())

    assert status == 201 and body["attempt"] == 2 and len(harness.http.posts()) == 2


def test_missing_credentials_are_a_424_naming_the_account(harness):
    harness.credentials = {}

    status, _, body = harness.post(request())

    assert status == 424 and ACCOUNT in body["error"]["message"]
    assert harness.http.requests == []


def test_text_over_xs_weighted_limit_is_refused_before_anything_is_sent(harness):
    status, _, body = harness.post(request(text="日" * 141))

    assert (status, body["error"]["field"]) == (400, "text")
    assert harness.http.requests == [] and harness.ledger.get_reply(MENTION, "reply-key-0001") is None


def test_private_replies_on_x_are_refused_naming_visibility(harness):
    status, _, body = harness.post(request(visibility="private"))

    assert (status, body["error"]["field"]) == (400, "visibility")


@pytest.mark.parametrize(
    "body",
    [{"text": "hi"}, {"text": "", "idempotency_key": "reply-key-0001"}, {"text": "hi", "idempotency_key": "short"}],
)
def test_an_invalid_request_is_a_400(harness, body):
    status, _, problem = harness.post(body)

    assert status == 400 and problem["error"]["field"] in ("idempotency_key", "text")


def test_an_unknown_mention_is_a_404(harness):
    assert harness.post(request(), mention="x:404")[0] == 404


def test_four_eyes_a_draft_is_posted_only_when_someone_else_approves(harness):
    harness.approval_teams = frozenset({"social"})

    drafted = harness.post(request())
    own = harness.approve("reply-key-0001", ALL_TEAMS_CLAIMS)
    approved = harness.approve("reply-key-0001", OTHER_AGENT)

    assert drafted[0] == 202 and drafted[2]["state"] == "awaiting_approval"
    assert own[0] == 403 and own[2]["error"]["code"] == "four_eyes_required"
    assert (
        approved[0] == 200 and approved[2]["state"] == "posted" and approved[2]["approved_by"] == "second@example.com"
    )
    assert len(harness.http.posts()) == 1
    assert harness.store.get(MENTION, consistent=True).status is MentionStatus.RESPONDED
