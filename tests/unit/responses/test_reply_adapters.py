"""Each platform's reply request, as its documentation describes it, and its answers sorted into error classes."""

from __future__ import annotations

import pytest

from mentionwatch.exceptions import (
    PlatformOutcomeUnknown,
    PlatformUnavailable,
    ReplyCredentialsRejected,
    ReplyRateLimited,
    ReplyTargetUnavailable,
    UpstreamError,
)
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest
from mentionwatch.responses.platforms import adapter_for
from tests.unit.responses.fakes import SECRET, ScriptedTransport, body_of, context, fixture, mention

BLUESKY_CREDENTIALS = {"identifier": "acme.com", "app_password": SECRET}


def test_x_posts_a_v2_reply_with_the_user_token():
    http = ScriptedTransport({"/2/tweets": [fixture("x", "created")]})

    posted = adapter_for(Platform.X).post("Sorry!", context(mention(Platform.X, "1862"), "12345"), http)

    (request,) = http.requests
    assert (request.method, request.url) == ("POST", "https://api.x.com/2/tweets")
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert body_of(request) == {"text": "Sorry!", "reply": {"in_reply_to_tweet_id": "1862"}}
    assert posted.native_id == "1863000000000000042"
    assert posted.link == "https://x.com/i/web/status/1863000000000000042"


@pytest.mark.parametrize(
    ("visibility", "edge", "answer", "reply_id"),
    [
        (ResponseKind.PUBLIC_REPLY, "comments", "created", "104857600_5550001_777000"),
        (ResponseKind.PRIVATE_REPLY, "private_replies", "private_created", "m_AbCdEf123"),
    ],
)
def test_facebook_comments_publicly_or_replies_privately(visibility, edge, answer, reply_id):
    http = ScriptedTransport({f"/{edge}": [fixture("facebook", answer)]})
    target = mention(Platform.FACEBOOK, "104857600_5550001")

    posted = adapter_for(Platform.FACEBOOK).post("Sorry!", context(target, "104857600", visibility=visibility), http)

    (request,) = http.requests
    assert request.url == f"https://graph.facebook.com/v21.0/104857600_5550001/{edge}"
    assert body_of(request) == {"message": "Sorry!"}
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert posted.native_id == reply_id
    assert (posted.link is None) == (visibility is ResponseKind.PRIVATE_REPLY)


def test_instagram_replies_under_the_comment():
    http = ScriptedTransport({"/replies": [fixture("instagram", "created")]})

    posted = adapter_for(Platform.INSTAGRAM).post(
        "Thanks!", context(mention(Platform.INSTAGRAM, "17860000000000001"), "178414"), http
    )

    (request,) = http.requests
    assert request.url == "https://graph.facebook.com/v21.0/17860000000000001/replies"
    assert body_of(request) == {"message": "Thanks!"}
    assert posted.native_id == "17870000000000042"


@pytest.mark.parametrize(
    ("visibility", "expected_status", "expected_visibility"),
    [
        (ResponseKind.PUBLIC_REPLY, "Sorry!", "public"),
        (ResponseKind.PRIVATE_REPLY, "@dana@mastodon.example Sorry!", "direct"),
    ],
)
def test_mastodon_resolves_the_status_on_the_brands_instance_then_replies(
    visibility, expected_status, expected_visibility
):
    http = ScriptedTransport(
        {"/api/v2/search": [fixture("mastodon", "search")], "/api/v1/statuses": [fixture("mastodon", "created")]}
    )
    target = mention(
        Platform.MASTODON, "mastodon.example/users/dana/statuses/113400000000000001", handle="dana@mastodon.example"
    )

    posted = adapter_for(Platform.MASTODON).post(
        "Sorry!", context(target, "https://mastodon.social/users/AcmeAir", visibility=visibility), http
    )

    search, create = http.requests
    assert search.url == "https://mastodon.social/api/v2/search"
    assert search.params["q"] == "https://mastodon.example/users/dana/statuses/113400000000000001"
    assert search.params["resolve"] == "true"
    assert create.url == "https://mastodon.social/api/v1/statuses"
    assert create.headers["idempotency-key"] == "x:1:key-0001"
    assert body_of(create) == {
        "status": expected_status,
        "in_reply_to_id": "113500000000000001",
        "visibility": expected_visibility,
    }
    assert posted.native_id == "mastodon.social/users/AcmeAir/statuses/113500000000000099"
    assert posted.link == "https://mastodon.social/@AcmeAir/113500000000000099"


def test_reddit_comments_on_the_thing_by_fullname():
    http = ScriptedTransport({"/api/comment": [fixture("reddit", "created")]})

    posted = adapter_for(Platform.REDDIT).post(
        "Sorry!", context(mention(Platform.REDDIT, "t1_lp0001"), "Acme_Social"), http
    )

    (request,) = http.requests
    assert request.url == "https://oauth.reddit.com/api/comment"
    assert body_of(request) == {"api_type": "json", "thing_id": "t1_lp0001", "text": "Sorry!"}
    assert request.headers["user-agent"].startswith("server:mentionwatch:")
    assert posted.native_id == "t1_lq0042"
    assert posted.link == "https://www.reddit.com/r/travel/comments/1h00aa/lost_bag/lq0042/"


def test_bluesky_replies_with_the_threads_root_and_the_posts_cid():
    http = ScriptedTransport(
        {
            "createSession": [fixture("bluesky", "session")],
            "getPosts": [fixture("bluesky", "posts")],
            "createRecord": [fixture("bluesky", "created")],
        }
    )
    target = mention(Platform.BLUESKY, "did:plc:dana/3kq2reply")

    posted = adapter_for(Platform.BLUESKY).post(
        "Sorry!", context(target, "did:plc:acmebrand", BLUESKY_CREDENTIALS), http
    )

    session, lookup, create = http.requests
    assert body_of(session) == {"identifier": "acme.com", "password": SECRET}
    assert lookup.params == {"uris": "at://did:plc:dana/app.bsky.feed.post/3kq2reply"}
    record = body_of(create)
    assert record["repo"] == "did:plc:acmebrand" and record["collection"] == "app.bsky.feed.post"
    assert record["record"]["reply"] == {
        "root": {"uri": "at://did:plc:dana/app.bsky.feed.post/3kq1root", "cid": "bafyreiroot"},
        "parent": {"uri": "at://did:plc:dana/app.bsky.feed.post/3kq2reply", "cid": "bafyreiparent"},
    }
    assert record["record"]["text"] == "Sorry!" and record["record"]["createdAt"] == "2026-12-01T09:12:00Z"
    assert posted.native_id == "did:plc:acmebrand/3kq9answer"


def test_youtube_answers_a_video_with_a_thread_and_a_comment_with_comments_insert():
    http = ScriptedTransport(
        {"/commentThreads": [fixture("youtube", "thread_created")], "/comments": [fixture("youtube", "created")]}
    )
    adapter = adapter_for(Platform.YOUTUBE)

    on_video = adapter.post("Thanks!", context(mention(Platform.YOUTUBE, "dQw4w9WgXcQ"), "UC" + "a" * 22), http)
    on_comment = adapter.post("Sorry!", context(mention(Platform.YOUTUBE, "UgzParent001"), "UC" + "a" * 22), http)

    thread_request, comment_request = http.requests
    assert thread_request.url.endswith("/youtube/v3/commentThreads") and thread_request.params == {"part": "snippet"}
    assert body_of(thread_request) == {
        "snippet": {"videoId": "dQw4w9WgXcQ", "topLevelComment": {"snippet": {"textOriginal": "Thanks!"}}}
    }
    assert body_of(comment_request) == {"snippet": {"parentId": "UgzParent001", "textOriginal": "Sorry!"}}
    assert on_video.link == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzThread042"
    assert on_comment.native_id == "UgzParent001.AbCreply042"


# --- error classes ------------------------------------------------------------------------------------------
TARGETS = {
    "x": (Platform.X, "1862", "12345", None),
    "facebook": (Platform.FACEBOOK, "104857600_5550001", "104857600", None),
    "instagram": (Platform.INSTAGRAM, "17860000000000001", "178414", None),
    "mastodon": (
        Platform.MASTODON,
        "mastodon.example/users/dana/statuses/1",
        "https://mastodon.social/users/AcmeAir",
        None,
    ),
    "reddit": (Platform.REDDIT, "t1_lp0001", "Acme_Social", None),
    "bluesky": (Platform.BLUESKY, "did:plc:dana/3kq2reply", "did:plc:acmebrand", BLUESKY_CREDENTIALS),
    "youtube": (Platform.YOUTUBE, "UgzParent001", "UC" + "a" * 22, None),
}
POST_MARKER = {
    "x": "/2/tweets",
    "facebook": "/comments",
    "instagram": "/replies",
    "mastodon": "/api/v1/statuses",
    "reddit": "/api/comment",
    "bluesky": "createRecord",
    "youtube": "/comments",
}
PRELUDE = {
    "mastodon": {"/api/v2/search": "search"},
    "bluesky": {"createSession": "session", "getPosts": "posts"},
}
ERROR_CASES = [
    (name, answer, error)
    for name in TARGETS
    for answer, error in (
        ("unauthorized", ReplyCredentialsRejected),
        ("rate_limited", ReplyRateLimited),
        ("deleted", ReplyTargetUnavailable),
        ("server_error", PlatformUnavailable),
    )
    if not (name == "bluesky" and answer == "deleted")
]


def _scripted(name: str, answer: str) -> ScriptedTransport:
    routes = {marker: [fixture(name, prelude)] for marker, prelude in PRELUDE.get(name, {}).items()}
    routes[POST_MARKER[name]] = [fixture(name, answer)]
    return ScriptedTransport(routes)


@pytest.mark.parametrize(("name", "answer", "error"), ERROR_CASES)
def test_every_platform_refusal_is_a_clear_problem_without_the_secret(name, answer, error):
    platform, native_id, account, credentials = TARGETS[name]

    with pytest.raises(error) as raised:
        adapter_for(platform).post(
            "Sorry!", context(mention(platform, native_id), account, credentials), _scripted(name, answer)
        )

    assert SECRET not in raised.value.message
    assert raised.value.status in (409, 424, 429, 503)
    if error is ReplyRateLimited:
        assert raised.value.headers["Retry-After"].isdigit() and int(raised.value.headers["Retry-After"]) > 0
    if error is ReplyTargetUnavailable:
        assert raised.value.reason == "deleted" and "deleted" in raised.value.message


def test_x_tells_a_restricted_conversation_and_a_missing_permission_apart():
    target = context(mention(Platform.X, "1862"), "12345")

    with pytest.raises(ReplyTargetUnavailable) as restricted:
        adapter_for(Platform.X).post("Hi", target, ScriptedTransport({"/2/tweets": [fixture("x", "restricted")]}))
    with pytest.raises(ReplyCredentialsRejected):
        adapter_for(Platform.X).post(
            "Hi", target, ScriptedTransport({"/2/tweets": [fixture("x", "forbidden_permissions")]})
        )

    assert restricted.value.reason == "replies_restricted" and restricted.value.status == 409


@pytest.mark.parametrize(("name", "answer"), [("reddit", "locked"), ("youtube", "locked")])
def test_a_locked_thread_is_a_409_naming_the_reason(name, answer):
    platform, native_id, account, credentials = TARGETS[name]

    with pytest.raises(ReplyTargetUnavailable) as raised:
        adapter_for(platform).post(
            "Hi", context(mention(platform, native_id), account, credentials), _scripted(name, answer)
        )

    assert raised.value.reason == "locked"


def test_x_rate_limit_waits_until_the_documented_reset():
    with pytest.raises(ReplyRateLimited) as raised:
        adapter_for(Platform.X).post(
            "Hi",
            context(mention(Platform.X, "1862"), "12345"),
            ScriptedTransport({"/2/tweets": [fixture("x", "rate_limited")]}),
        )

    assert raised.value.retry_after == 900


def test_a_post_that_is_gone_from_mastodon_or_bluesky_is_a_deleted_target():
    mastodon = ScriptedTransport({"/api/v2/search": [fixture("mastodon", "search_empty")]})
    bluesky = ScriptedTransport(
        {"createSession": [fixture("bluesky", "session")], "getPosts": [fixture("bluesky", "posts_empty")]}
    )

    with pytest.raises(ReplyTargetUnavailable):
        adapter_for(Platform.MASTODON).post(
            "Hi", context(mention(Platform.MASTODON, "h/u/1"), "https://m.social/users/a"), mastodon
        )
    with pytest.raises(ReplyTargetUnavailable):
        adapter_for(Platform.BLUESKY).post(
            "Hi",
            context(mention(Platform.BLUESKY, "did:plc:dana/x"), "did:plc:acmebrand", BLUESKY_CREDENTIALS),
            bluesky,
        )
    assert not mastodon.posts() and len(bluesky.posts()) == 1  # only the session


def test_a_network_failure_leaves_the_outcome_unknown():
    def unreachable(request: HttpRequest):
        raise UpstreamError("could not reach api.x.com: timed out")

    with pytest.raises(PlatformOutcomeUnknown) as raised:
        adapter_for(Platform.X).post(
            "Hi", context(mention(Platform.X, "1862"), "12345"), ScriptedTransport({"/2/tweets": unreachable})
        )

    assert "may or may not" in raised.value.message


def test_missing_credentials_name_the_account_not_a_value():
    with pytest.raises(ReplyCredentialsRejected) as raised:
        adapter_for(Platform.X).post("Hi", context(mention(Platform.X, "1862"), "12345", {}), ScriptedTransport({}))

    assert "reply:x:12345" in raised.value.message
