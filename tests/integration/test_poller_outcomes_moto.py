"""Polled platform events as the platforms mean them, through the poller and process handlers on moto: a Reddit
post moderators removed ends deleted, a Bluesky complaint from an account with 200k followers is escalated on
its reach."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentionwatch import wiring
from mentionwatch.pollers.http import HttpRequest, HttpResponse
from tests.support import EVENTS, ROOT, drain_queue, load_handler, sqs_event

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
WATCH = """
brands: [{name: acme, keywords: [acme air, acme]}]
pollers:
  reddit:
    user_agent: "aws-lambda:mentionwatch:0.1.0 (by /u/acme_social)"
    queries: [{name: acme-search, brand: acme, q: '"acme air"'}]
  bluesky:
    queries: [{name: acme-posts, brand: acme, q: acme air}]
"""


def fixture(relative: str) -> Any:
    return json.loads((PLATFORMS / relative).read_text())


class ScriptedInternet:
    """Answers each URL (without its query) with the next scripted JSON body; records every request."""

    def __init__(self, routes: dict[str, list[Any]]) -> None:
        self.routes = routes
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        body = self.routes[request.url].pop(0)
        return HttpResponse(status=200, headers={"content-type": "application/json"}, body=json.dumps(body).encode())


@pytest.fixture
def pipeline(monkeypatch, tmp_path, deployed, sqs, dynamodb, table, lambda_context):
    watch_file = tmp_path / "watch.yaml"
    watch_file.write_text(WATCH)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    monkeypatch.setenv("MENTIONWATCH_WATCH_FILE", str(watch_file))

    def run(source: str, internet: ScriptedInternet) -> None:
        monkeypatch.setattr(wiring, "http_transport", lambda: internet)
        result = load_handler("poller").lambda_handler({"source": source}, lambda_context)
        assert not any(query.get("error") for query in result["queries"]), result
        messages = drain_queue(sqs, deployed["queue"])
        assert load_handler("process").lambda_handler(sqs_event(messages), lambda_context) == {"batchItemFailures": []}

    def row(mention_id: str) -> dict[str, Any]:
        key = {"pk": {"S": f"MENTION#{mention_id}"}, "sk": {"S": "MENTION"}}
        return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]

    return run, row


def test_a_reddit_post_moderators_removed_ends_deleted_and_out_of_the_queue(pipeline):
    run, row = pipeline
    removed_page = fixture("reddit/search_removed_edited.json")
    live_page = json.loads(json.dumps(removed_page))
    live_post = live_page["data"]["children"][0]["data"]
    live_post.update(selftext="The crate was left on the tarmac in the rain for an hour.", removed_by_category=None)
    token = fixture("reddit/access_token.json")
    search = "https://oauth.reddit.com/search"

    # Given the post was polled and stored while live
    run("reddit", ScriptedInternet({"https://www.reddit.com/api/v1/access_token": [token], search: [live_page]}))
    assert row("reddit:t3_1gxa010")["deleted"] == {"BOOL": False}

    # When a later poll lists it as removed by the moderators ("[removed]", the author kept)
    run("reddit", ScriptedInternet({"https://www.reddit.com/api/v1/access_token": [token], search: [removed_page]}))

    # Then the stored mention is marked deleted and no longer in any status queue
    stored = row("reddit:t3_1gxa010")
    assert stored["deleted"] == {"BOOL": True}
    assert "GSI1PK" not in stored


def test_a_bluesky_outage_report_from_a_200k_follower_account_is_escalated_on_its_reach(pipeline):
    run, row = pipeline
    page = fixture("bluesky/search_posts.json")
    post = page["posts"][1]
    post["author"] = {"did": "did:plc:z72i7hdynmk6r22z27h6tvur", "handle": "nadia.bsky.social"}
    post["uri"] = "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3lbk1qrs5tu2v"
    post["record"]["text"] = "The Acme Air app is down again, can't check in and the website is broken"
    page["posts"] = [post]
    page["cursor"] = None
    service = "https://bsky.social/xrpc"
    internet = ScriptedInternet(
        {
            f"{service}/com.atproto.server.createSession": [fixture("bluesky/create_session.json")],
            f"{service}/app.bsky.feed.searchPosts": [page],
            f"{service}/app.bsky.actor.getProfiles": [fixture("bluesky/get_profiles.json")],
        }
    )

    run("bluesky", internet)

    stored = row("bluesky:did:plc:z72i7hdynmk6r22z27h6tvur/3lbk1qrs5tu2v")
    assert stored["mention"]["M"]["author"]["M"]["followers"] == {"N": "214000"}
    assert stored["reaction"]["S"] == "escalate"
    assert "route/outage-loud" in [rule["S"] for rule in stored["triage"]["M"]["rules"]["L"]]
    assert stored["alert_state"]["S"] == "sent"
