"""The demo's polled platforms: the Reddit and Bluesky polls (the poller function, as its schedules invoke it) read
the fake platforms over HTTP, and what each platform meant is what mentionwatch stored.

- Reddit lists a post its moderators removed (`selftext` "[removed]", the author kept) beside a live one: the
  removed post is stored deleted, never paged, in no queue.
- Bluesky's search finds an outage report; `getProfiles` says its author has 200,000 followers: escalated on its
  reach, paged.

The posts are the documented-shape fixtures of tests/fixtures/platforms, their times moved to just now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mentionwatch.local.stack import LocalStack
from mentionwatch.models import MentionStatus

REMOVED_POST = "reddit:t3_1gxa010"
LIVE_POST = "reddit:t3_1gxa002"
REACH_AUTHOR = "did:plc:z72i7hdynmk6r22z27h6tvur"
REACH_POST = f"bluesky:{REACH_AUTHOR}/3lbk1qrs5tu2v"
REACH_FOLLOWERS = 200_000


def _fixture(root: Path, relative: str) -> Any:
    return json.loads((root / "tests" / "fixtures" / "platforms" / relative).read_text(encoding="utf-8"))


def seed_polled_platforms(stack: LocalStack, root: Path, now: datetime) -> None:
    removed = _fixture(root, "reddit/search_removed_edited.json")["data"]["children"][0]
    live = _fixture(root, "reddit/search_new.json")["data"]["children"][0]
    removed["data"]["created_utc"] = (now - timedelta(minutes=6)).timestamp()
    live["data"]["created_utc"] = (now - timedelta(minutes=4)).timestamp()
    stack.fake_platforms.seed_reddit([removed, live])

    post = _fixture(root, "bluesky/search_posts.json")["posts"][1]
    post["uri"] = f"at://{REACH_AUTHOR}/app.bsky.feed.post/3lbk1qrs5tu2v"
    post["author"] = {"did": REACH_AUTHOR, "handle": "nadia.bsky.social", "labels": []}
    post["record"]["text"] = "The Acme Air app is down again, can't check in and the website is broken"
    post["record"]["createdAt"] = (now - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    profile = _fixture(root, "bluesky/get_profiles.json")["profiles"][0] | {"followersCount": REACH_FOLLOWERS}
    stack.fake_platforms.seed_bluesky([post], [profile])


def _api(stack: LocalStack, path: str) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {stack.authorizer.token}"}
    status, _, answer = stack.http_request("GET", path, headers, b"")
    return status, json.loads(answer or b"{}")


def _queued(stack: LocalStack, platform: str) -> set[str]:
    ids: set[str] = set()
    for status in MentionStatus:
        _, page = _api(stack, f"/mentions?status={status.value}&platform={platform}&limit=100")
        ids.update(item["id"] for item in page.get("items", []))
    return ids


def show_polled_outcomes(stack: LocalStack, read_pages: Callable[[], list[dict[str, Any]]]) -> int:
    """Poll Reddit and Bluesky once, then print what each post ended as (one line each). `read_pages` gives the
    alerts the stack published since it was last read (the demo's observer); returns the demo's exit status."""
    read_pages()  # what the stream paged before: already shown
    for source in ("reddit", "bluesky"):
        result = stack.invoke("PollerFunction", {"source": source})
        failed = [query for query in result.get("queries", []) if query.get("error")]
        if failed:
            print(f"demo: the {source} poll failed: {failed}")
            return 1
    stack.drain(timeout=120)
    pages = read_pages()

    status, removed = _api(stack, f"/mentions/{REMOVED_POST}")
    reach_status, reach = _api(stack, f"/mentions/{quote(REACH_POST, safe=':')}")
    if status != 200 or reach_status != 200:
        print(f"demo: the polled mentions were not stored: {status} {removed} / {reach_status} {reach}")
        return 1
    queued = _queued(stack, "reddit")
    print(
        f"demo: Reddit poll: {REMOVED_POST} by u/{removed['mention']['author']['handle']} listed [removed] by "
        f"its moderators -> deleted={str(removed['deleted']).lower()}, {len(removed['alerts'])} pages, "
        f"{'in a queue' if REMOVED_POST in queued else 'in no queue'} ({LIVE_POST} beside it: "
        f"{'queued' if LIVE_POST in queued else 'not queued'})"
    )
    reasons = [reason for reason in reach["triage"]["reasons"] if "reach" in reason]
    paged = [page for page in pages if page.get("chat", {}).get("id") == REACH_POST]
    followers = reach["mention"]["author"]["followers"]
    print(
        f"demo: Bluesky poll: {REACH_POST} by @{reach['mention']['author']['handle']} ({followers:,} followers from "
        f"getProfiles) -> {reach['triage']['reaction']} ({'; '.join(reasons) or 'no reach rule'}), "
        f"{len(paged)} page{'s' if len(paged) != 1 else ''}"
    )
    deleted_unpaged = removed["deleted"] and not removed["alerts"] and REMOVED_POST not in queued
    escalated_on_reach = reach["triage"]["reaction"] == "escalate" and reasons and len(paged) == 1
    return 0 if deleted_unpaged and escalated_on_reach else 1
