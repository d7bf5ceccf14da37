"""Fake platform APIs for the local stack: replies are accepted as the real APIs accept them and echoed back.

One loopback HTTP server answers the reply calls of every platform on the same paths, with the status codes and
error bodies of the platforms' documentation (tests/fixtures/replies/README.md names the pages):

- X `POST /2/tweets`; Facebook `POST /v21.0/{id}/comments` and `/private_replies`; Instagram
  `POST /v21.0/{id}/replies`; Mastodon `GET /api/v2/search`, `POST /api/v1/statuses`; Reddit `POST /api/comment`;
  Bluesky `com.atproto.server.createSession`, `app.bsky.feed.getPosts`, `com.atproto.repo.createRecord`; YouTube
  `POST /youtube/v3/comments` and `/commentThreads`.
- What the pollers read, from posts a test or the demo seeds (`seed_reddit`, `seed_bluesky`; the shapes of
  tests/fixtures/platforms/reddit and /bluesky): Reddit's OAuth token route `POST /api/v1/access_token` (HTTP Basic
  with the `reddit` client id and secret) and its listings `GET /search`, `/r/{sub}/search`, `/r/{sub}/new`,
  `/r/{sub}/comments` (newest first, `limit`/`after`); Bluesky `com.atproto.server.createSession` for the `bluesky`
  search account too, `refreshSession`, `app.bsky.feed.searchPosts` (`limit`/`cursor`) and
  `app.bsky.actor.getProfiles` (at most 25 `actors`, unknown ones left out, as the AppView does).
- A request without a known account's bearer token gets the platform's 401 body.
- An accepted reply on a platform that pushes webhooks (X Account Activity, Facebook and Instagram webhooks,
  Mastodon) is echoed, signed with the dev secrets, to the stack's `/webhooks/<platform>` as the brand's own post,
  just as the platform would deliver the account's own activity. Reddit, Bluesky and YouTube have no webhooks (their
  pollers would find the reply), so nothing is echoed for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

X_EPOCH_MS = 1288834974657
Echo = tuple[str, bytes, dict[str, str]]  # (webhook source, signed body, signature headers)
Answer = tuple[int, Any, Echo | None]  # (status, JSON body, what to echo after answering)
PLATFORMS = ("x", "facebook", "instagram", "mastodon", "reddit", "bluesky", "youtube")
# The listings the Reddit poller reads: site search, a subreddit's search, new posts, new comments.
_REDDIT_LISTING = re.compile(r"^(?:/search|/r/(?P<sub>[A-Za-z0-9_]{2,21})/(?P<kind>search|new|comments))$")
_QUERY_TERMS = re.compile(r'"([^"]+)"|(\S+)')


def _snowflake(sequence: int) -> str:
    return str(((int(time.time() * 1000) - X_EPOCH_MS) << 22) + sequence)


class FakePlatforms:
    def __init__(self, webhook_base: str, secrets_file: Path) -> None:
        self.webhook_base = webhook_base.rstrip("/")
        self.secrets: dict[str, dict[str, str]] = (
            json.loads(secrets_file.read_text(encoding="utf-8")) if secrets_file.exists() else {}
        )
        self.posted: list[dict[str, Any]] = []  # every accepted reply, for the demo and tests
        self.echoes: list[tuple[str, int]] = []  # (platform, status the webhook answered)
        self.reddit_things: list[dict[str, Any]] = []  # listing children ({"kind": "t3", "data": {...}})
        self.bluesky_posts: list[dict[str, Any]] = []  # searchPosts PostViews
        self.bluesky_profiles: dict[str, dict[str, Any]] = {}  # getProfiles ProfileViewDetailed by DID
        self.polled: list[str] = []  # "<METHOD> <path>" of every poller read, for tests
        self._tokens: set[str] = set()  # issued Reddit application tokens
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakePlatforms:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
                return

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                fake._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-platforms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def endpoints(self) -> dict[str, str]:
        """`MENTIONWATCH_PLATFORM_ENDPOINTS`: every platform's API host replaced by this server."""
        return {platform: self.url for platform in PLATFORMS}

    # --- what the pollers find ----------------------------------------------------------------------------
    def seed_reddit(self, things: Sequence[dict[str, Any]]) -> None:
        """Listing children Reddit serves from now on (a thing with an existing fullname replaces it: an edit or a
        moderator's removal as a later poll sees it)."""
        names = {thing["data"]["name"] for thing in things}
        self.reddit_things = [t for t in self.reddit_things if t["data"]["name"] not in names] + list(things)

    def seed_bluesky(self, posts: Sequence[dict[str, Any]], profiles: Sequence[dict[str, Any]] = ()) -> None:
        """Posts searchPosts finds and the profiles getProfiles knows from now on (same URI or DID: replaced)."""
        uris = {post["uri"] for post in posts}
        self.bluesky_posts = [p for p in self.bluesky_posts if p["uri"] not in uris] + list(posts)
        self.bluesky_profiles.update({profile["did"]: profile for profile in profiles})

    # --- request handling ------------------------------------------------------------------------------
    def _account(self, platform: str, token: str | None) -> tuple[str, dict[str, str]] | None:
        prefix = f"reply:{platform}:"
        for name, values in self.secrets.items():
            if name.startswith(prefix) and token and values.get("access_token") == token:
                return name.removeprefix(prefix), values
        return None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        is_json = (handler.headers.get("content-type") or "").startswith("application/json")
        body: dict[str, Any] = (
            json.loads(raw or b"{}") if is_json else {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        )
        lists = parse_qs(parts.query)
        query = {k: v[0] for k, v in lists.items()}
        scheme, _, credentials = (handler.headers.get("authorization") or "").partition(" ")
        token = credentials if scheme.lower() == "bearer" else None  # Reddit writes "bearer": schemes ignore case
        basic = credentials if scheme.lower() == "basic" else None
        path = parts.path
        try:
            if method == "POST" and path == "/api/v1/access_token":
                status, answer, echo = self._reddit_token(body, basic)
            elif method == "GET" and path == "/xrpc/app.bsky.actor.getProfiles":
                status, answer, echo = self._bluesky_profiles(lists.get("actors", []), token)
            else:
                status, answer, echo = self._route(method, path, query, body, token)
        except KeyError as err:
            status, answer, echo = 400, {"error": f"missing {err.args[0]}"}, None
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
        if echo is not None:
            self._echo(*echo)

    def _route(self, method: str, path: str, query: dict[str, str], body: dict[str, Any], token: str | None) -> Answer:
        if method == "POST" and path == "/2/tweets":
            return self._x(body, token)
        if method == "POST" and path.startswith("/v21.0/") and path.endswith(("/comments", "/private_replies")):
            return self._facebook(path, body, token)
        if method == "POST" and path.startswith("/v21.0/") and path.endswith("/replies"):
            return self._instagram(path, body, token)
        if path in ("/api/v2/search", "/api/v1/statuses"):
            return self._mastodon(method, path, query, body, token)
        if method == "POST" and path == "/api/comment":
            return self._reddit(body, token)
        if method == "GET" and _REDDIT_LISTING.match(path):
            return self._reddit_listing(path, query, token)
        if path.startswith("/xrpc/"):
            return self._bluesky(method, path, query, body, token)
        if method == "POST" and path in ("/youtube/v3/comments", "/youtube/v3/commentThreads"):
            return self._youtube(path, body, token)
        return 404, {"error": f"no fake for {method} {path}"}, None

    # --- X -------------------------------------------------------------------------------------------
    def _x(self, body: dict[str, Any], token: str | None) -> Answer:
        found = self._account("x", token)
        if found is None:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, None
        account, values = found
        text, parent = body["text"], body["reply"]["in_reply_to_tweet_id"]
        post_id = _snowflake(next(self._ids))
        self.posted.append({"platform": "x", "id": post_id, "in_reply_to": parent, "text": text})
        screen_name = values.get("screen_name", "brand")
        now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
        tweet = {
            "id_str": post_id,
            "created_at": now,
            "text": text,
            "user": {"id_str": account, "screen_name": screen_name, "name": screen_name},
            "in_reply_to_status_id_str": parent,
        }
        echo = json.dumps({"for_user_id": account, "tweet_create_events": [tweet]}).encode()
        secret = self.secrets.get("x", {}).get("consumer_secret", "")
        signature = "sha256=" + base64.b64encode(hmac.new(secret.encode(), echo, hashlib.sha256).digest()).decode()
        return 201, {"data": {"id": post_id, "text": text}}, ("x", echo, {"x-twitter-webhooks-signature": signature})

    # --- Facebook and Instagram ----------------------------------------------------------------------
    def _graph_refusal(self) -> dict[str, Any]:
        return {
            "error": {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "fake",
            }
        }

    def _meta_signature(self, platform: str, body: bytes) -> dict[str, str]:
        secret = self.secrets.get(platform, {}).get("app_secret", "")
        return {"x-hub-signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}

    def _facebook(self, path: str, body: dict[str, Any], token: str | None) -> Answer:
        found = self._account("facebook", token)
        if found is None:
            return 400, self._graph_refusal(), None
        page, _ = found
        target = path.split("/")[2]
        private = path.endswith("/private_replies")
        reply_id = f"m_fake{next(self._ids)}" if private else f"{target}_{next(self._ids)}"
        self.posted.append({"platform": "facebook", "id": reply_id, "in_reply_to": target, "text": body["message"]})
        if private:
            return 200, {"id": reply_id}, None  # a Messenger message: no feed webhook
        now = int(time.time())
        change = {
            "item": "comment",
            "verb": "add",
            "post_id": "_".join(target.split("_")[:2]),  # a comment id starts with its post id
            "comment_id": reply_id,
            "parent_id": target,
            "created_time": now,
            "message": body["message"],
            "from": {"id": page, "name": "Brand"},
        }
        echo = json.dumps(
            {"object": "page", "entry": [{"id": page, "time": now, "changes": [{"field": "feed", "value": change}]}]}
        ).encode()
        return 200, {"id": reply_id}, ("facebook", echo, self._meta_signature("facebook", echo))

    def _instagram(self, path: str, body: dict[str, Any], token: str | None) -> Answer:
        found = self._account("instagram", token)
        if found is None:
            return 400, self._graph_refusal(), None
        account, values = found
        target = path.split("/")[2]
        reply_id = f"1787{next(self._ids):011d}"
        self.posted.append({"platform": "instagram", "id": reply_id, "in_reply_to": target, "text": body["message"]})
        now = int(time.time())
        value = {
            "id": reply_id,
            "text": body["message"],
            "parent_id": target,
            "from": {"id": account, "username": values.get("username", "brand")},
        }
        echo = json.dumps(
            {
                "object": "instagram",
                "entry": [{"id": account, "time": now, "changes": [{"field": "comments", "value": value}]}],
            }
        ).encode()
        return 200, {"id": reply_id}, ("instagram", echo, self._meta_signature("instagram", echo))

    # --- Mastodon ------------------------------------------------------------------------------------
    def _mastodon(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any], token: str | None
    ) -> Answer:
        found = self._account("mastodon", token)
        if found is None:
            return 401, {"error": "The access token is invalid"}, None
        account_uri, _ = found
        if method == "GET":  # search, resolving the remote status onto this instance
            local_id = str(100000 + next(self._ids))
            return 200, {"accounts": [], "statuses": [{"id": local_id, "uri": query["q"]}], "hashtags": []}, None
        host = urlsplit(account_uri).netloc
        username = account_uri.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
        status_id = str(200000 + next(self._ids))
        status = {
            "id": status_id,
            "uri": f"https://{host}/users/{username}/statuses/{status_id}",
            "url": f"https://{host}/@{username}/{status_id}",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "in_reply_to_id": body["in_reply_to_id"],
            "visibility": body.get("visibility", "public"),
            "content": f"<p>{body['status']}</p>",
            "account": {
                "id": "1",
                "username": username,
                "acct": username,
                "url": f"https://{host}/@{username}",
                "display_name": username,
            },
        }
        self.posted.append(
            {"platform": "mastodon", "id": status["uri"], "in_reply_to": body["in_reply_to_id"], "text": body["status"]}
        )
        if status["visibility"] == "direct":
            return 200, status, None
        echo = json.dumps({"event": "status.created", "created_at": status["created_at"], "object": status}).encode()
        secret = self.secrets.get("mastodon", {}).get("webhook_secret", "")
        signature = {"x-hub-signature": "sha256=" + hmac.new(secret.encode(), echo, hashlib.sha256).hexdigest()}
        return 200, status, ("mastodon", echo, signature)

    # --- Reddit, Bluesky, YouTube (no webhooks: nothing echoed) -------------------------------------------
    def _reddit(self, body: dict[str, Any], token: str | None) -> Answer:
        if self._account("reddit", token) is None:
            return 401, {"message": "Unauthorized", "error": 401}, None
        name = f"t1_fake{next(self._ids)}"
        self.posted.append({"platform": "reddit", "id": name, "in_reply_to": body["thing_id"], "text": body["text"]})
        thing = {
            "kind": "t1",
            "data": {
                "id": name[3:],
                "name": name,
                "parent_id": body["thing_id"],
                "permalink": f"/r/fake/comments/x/y/{name[3:]}/",
                "body": body["text"],
            },
        }
        return 200, {"json": {"errors": [], "data": {"things": [thing]}}}, None

    def _bluesky(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any], token: str | None
    ) -> Answer:
        if path.endswith("com.atproto.server.createSession"):
            for name, values in self.secrets.items():
                is_account = name.startswith("reply:bluesky:") or name == "bluesky"  # brand accounts, search account
                if is_account and values.get("app_password") == body.get("password"):
                    did = name.removeprefix("reply:bluesky:") if name != "bluesky" else "did:plc:fakesearchaccount"
                    return 200, self._bluesky_session(did, body.get("identifier")), None
            return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, None
        if path.endswith("com.atproto.server.refreshSession"):
            if not token or not token.startswith("fake-refresh-"):
                return 400, {"error": "InvalidToken", "message": "Token could not be verified"}, None
            return 200, self._bluesky_session(token.removeprefix("fake-refresh-"), None), None
        if not token or not token.startswith("fake-jwt-"):
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}, None
        if method == "GET" and path.endswith("app.bsky.feed.searchPosts"):
            return self._bluesky_search(query)
        if path.endswith("app.bsky.feed.getPosts"):
            uri = query["uris"]
            return 200, {"posts": [{"uri": uri, "cid": "bafyfakecid", "record": {"text": ""}}]}, None
        if path.endswith("com.atproto.repo.createRecord"):
            rkey = f"3fake{next(self._ids)}"
            record = body["record"]
            self.posted.append(
                {
                    "platform": "bluesky",
                    "id": rkey,
                    "in_reply_to": record["reply"]["parent"]["uri"],
                    "text": record["text"],
                }
            )
            return 200, {"uri": f"at://{body['repo']}/app.bsky.feed.post/{rkey}", "cid": "bafyfakenew"}, None
        return 400, {"error": "InvalidRequest", "message": f"no fake for {path}"}, None

    @staticmethod
    def _bluesky_session(did: str, handle: str | None) -> dict[str, Any]:
        return {
            "accessJwt": f"fake-jwt-{did}",
            "refreshJwt": f"fake-refresh-{did}",
            "did": did,
            "handle": handle or did,
            "active": True,
        }

    # --- what the pollers read --------------------------------------------------------------------------
    def _reddit_token(self, body: dict[str, Any], basic: str | None) -> Answer:
        """Application-only OAuth: `grant_type=client_credentials`, the app's id and secret as HTTP Basic."""
        app = self.secrets.get("reddit", {})
        expected = base64.b64encode(f"{app.get('client_id')}:{app.get('client_secret')}".encode()).decode()
        if not app or basic != expected:
            return 401, {"message": "Unauthorized", "error": 401}, None
        if body.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}, None
        token = f"fake-reddit-app-{next(self._ids)}"
        self._tokens.add(token)
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}, None

    def _reddit_listing(self, path: str, query: dict[str, str], token: str | None) -> Answer:
        if token not in self._tokens:
            return 401, {"message": "Unauthorized", "error": 401}, None
        self.polled.append(f"GET {path}")
        route = _REDDIT_LISTING.match(path)
        assert route is not None
        sub, kind = route.group("sub"), route.group("kind") or "search"
        wanted = "t1" if kind == "comments" else "t3"  # search with type=link and /new list posts only
        things = [
            thing
            for thing in self.reddit_things
            if thing["kind"] == wanted
            and (sub is None or str(thing["data"].get("subreddit", "")).lower() == sub.lower())
            and (kind != "search" or _matches(query.get("q", ""), _reddit_text(thing["data"])))
        ]
        things.sort(key=lambda thing: float(thing["data"]["created_utc"]), reverse=True)
        names = [thing["data"]["name"] for thing in things]
        start = names.index(query["after"]) + 1 if query.get("after") in names else 0
        limit = _page_size(query.get("limit"))
        page = things[start : start + limit]
        after = page[-1]["data"]["name"] if page and start + limit < len(things) else None
        listing = {"after": after, "dist": len(page), "modhash": "", "children": page, "before": None}
        return 200, {"kind": "Listing", "data": listing}, None

    def _bluesky_search(self, query: dict[str, str]) -> Answer:
        """`sort=latest`: newest first; the cursor is the offset of the next page, as a string."""
        self.polled.append("GET /xrpc/app.bsky.feed.searchPosts")
        if not query.get("q"):
            return 400, {"error": "InvalidRequest", "message": 'Error: Params must have the property "q"'}, None
        found = [post for post in self.bluesky_posts if _matches(query["q"], str(post["record"].get("text", "")))]
        if query.get("lang"):
            found = [post for post in found if query["lang"] in post["record"].get("langs", [query["lang"]])]
        found.sort(key=lambda post: str(post["record"]["createdAt"]), reverse=True)
        start = int(query["cursor"]) if (query.get("cursor") or "").isdigit() else 0
        limit = _page_size(query.get("limit"))
        page = found[start : start + limit]
        cursor = str(start + limit) if start + limit < len(found) else None
        return 200, {"cursor": cursor, "hitsTotal": len(found), "posts": page}, None

    def _bluesky_profiles(self, actors: list[str], token: str | None) -> Answer:
        if not token or not token.startswith("fake-jwt-"):
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}, None
        self.polled.append("GET /xrpc/app.bsky.actor.getProfiles")
        if not actors or len(actors) > 25:
            message = (
                "Error: actors must not have more than 25 elements"
                if actors
                else 'Error: Params must have the property "actors"'
            )
            return 400, {"error": "InvalidRequest", "message": message}, None
        profiles = [self.bluesky_profiles[actor] for actor in actors if actor in self.bluesky_profiles]
        return 200, {"profiles": profiles}, None

    def _youtube(self, path: str, body: dict[str, Any], token: str | None) -> Answer:
        if self._account("youtube", token) is None:
            error = {
                "code": 401,
                "message": "Request had invalid authentication credentials.",
                "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError"}],
            }
            return 401, {"error": error}, None
        comment_id = f"UgzFake{next(self._ids)}"
        snippet = body["snippet"]
        self.posted.append(
            {
                "platform": "youtube",
                "id": comment_id,
                "in_reply_to": snippet.get("parentId") or snippet.get("videoId"),
                "text": snippet.get("textOriginal") or snippet["topLevelComment"]["snippet"]["textOriginal"],
            }
        )
        if path.endswith("commentThreads"):
            return (
                200,
                {
                    "kind": "youtube#commentThread",
                    "id": comment_id,
                    "snippet": {"topLevelComment": {"id": comment_id, "snippet": snippet["topLevelComment"]}},
                },
                None,
            )
        return 200, {"kind": "youtube#comment", "id": comment_id, "snippet": snippet}, None

    # --- echo ----------------------------------------------------------------------------------------
    def _echo(self, platform: str, body: bytes, headers: dict[str, str]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the stack's own loopback URL
            f"{self.webhook_base}/webhooks/{platform}",
            data=body,
            method="POST",
            headers={"content-type": "application/json"} | headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                self.echoes.append((platform, response.status))
        except urllib.error.HTTPError as err:
            self.echoes.append((platform, err.code))


def _reddit_text(data: dict[str, Any]) -> str:
    return " ".join(str(data.get(field) or "") for field in ("title", "selftext", "body"))


def _matches(q: str, text: str) -> bool:
    """A small stand-in for the platforms' search syntax: alternatives joined by OR; in each, every "quoted phrase"
    and every bare word appears in the text (case ignored)."""
    lowered = text.lower()
    for alternative in q.split(" OR "):
        terms = [phrase or word for phrase, word in _QUERY_TERMS.findall(alternative.lower())]
        if terms and all(term in lowered for term in terms):
            return True
    return False


def _page_size(value: str | None) -> int:
    """`limit`: 25 by default, 1 to 100 (both platforms' listings)."""
    return min(max(int(value), 1), 100) if value and value.isdigit() else 25
