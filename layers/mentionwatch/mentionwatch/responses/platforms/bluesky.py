"""Bluesky: a session for the brand account, the parent post's CID and thread root, then
`com.atproto.repo.createRecord` of an `app.bsky.feed.post` with `reply.root` and `reply.parent` strong refs.

- `POST /xrpc/com.atproto.server.createSession {"identifier", "password"}` → `{"accessJwt", "did", …}`.
- `GET /xrpc/app.bsky.feed.getPosts?uris=<at-uri>` → `{"posts": [{"uri", "cid", "record": {"reply"?}}]}`; a
  missing post is an empty list. A reply to a reply keeps the thread's root (pointing both refs at the parent
  would start a new thread).
- `POST /xrpc/com.atproto.repo.createRecord {"repo", "collection", "record"}` → `{"uri", "cid"}`.
Errors are `{"error", "message"}`: AuthenticationRequired/ExpiredToken/InvalidToken (400/401), RateLimitExceeded
(429, `ratelimit-reset` epoch seconds), InvalidRequest (400).
"""

from __future__ import annotations

import json
from typing import Any

from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpResponse, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext

POST_COLLECTION = "app.bsky.feed.post"
_AUTH_ERRORS = frozenset({"AuthenticationRequired", "ExpiredToken", "InvalidToken", "AccountTakedown"})


def at_uri(native_id: str) -> str:
    did, _, rkey = native_id.partition("/")
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


class BlueskyReplies(ReplyAdapter):
    platform = Platform.BLUESKY
    default_base_url = "https://bsky.social"

    def base(self, context: ReplyContext) -> str:
        return (context.base_url or context.credentials.get("service") or self.default_base_url).rstrip("/")

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        base = self.base(context)
        session = self._call(
            http,
            context,
            HttpRequest(
                method="POST",
                url=f"{base}/xrpc/com.atproto.server.createSession",
                headers={"content-type": "application/json"},
                body=json.dumps(
                    {
                        "identifier": self.credential(context, "identifier"),
                        "password": self.credential(context, "app_password"),
                    }
                ).encode(),
                timeout=context.timeout,
            ),
        )
        token, did = session.get("accessJwt"), session.get("did")
        if not token or not did:
            raise self.unexpected("a session")
        auth = {"authorization": f"Bearer {token}"}
        parent_uri = at_uri(context.mention.native_id)
        found = self._call(
            http,
            context,
            HttpRequest(
                url=f"{base}/xrpc/app.bsky.feed.getPosts",
                params={"uris": parent_uri},
                headers=auth,
                timeout=context.timeout,
            ),
        )
        posts = found.get("posts")
        if not isinstance(posts, list) or not posts or not isinstance(posts[0], dict) or not posts[0].get("cid"):
            raise self.target_unavailable("deleted", "the post is no longer on Bluesky")
        parent = {"uri": str(posts[0].get("uri") or parent_uri), "cid": str(posts[0]["cid"])}
        record_reply = (posts[0].get("record") or {}).get("reply") or {}
        root = record_reply.get("root") if isinstance(record_reply.get("root"), dict) else None
        record = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": context.now.isoformat().replace("+00:00", "Z"),
            "reply": {"root": root or parent, "parent": parent},
        }
        created = self._call(
            http,
            context,
            HttpRequest(
                method="POST",
                url=f"{base}/xrpc/com.atproto.repo.createRecord",
                headers=auth | {"content-type": "application/json"},
                body=json.dumps({"repo": did, "collection": POST_COLLECTION, "record": record}).encode(),
                timeout=context.timeout,
            ),
        )
        uri = str(created.get("uri") or "")
        if not uri.startswith("at://"):
            raise self.unexpected("the new record's uri")
        author, rkey = uri.removeprefix("at://").split("/", 1)[0], uri.rsplit("/", 1)[-1]
        return PostedReply(native_id=f"{author}/{rkey}", link=f"https://bsky.app/profile/{author}/post/{rkey}")

    def _call(self, http: HttpTransport, context: ReplyContext, request: HttpRequest) -> dict[str, Any]:
        response = self.send(http, request)
        body = self.json_of(response)
        if response.status == 200 and isinstance(body, dict):
            return body
        raise self._error(response, body, context)

    def _error(self, response: HttpResponse, body: Any, context: ReplyContext) -> Exception:
        name = str(body.get("error") or "") if isinstance(body, dict) else ""
        message = str(body.get("message") or name or "no detail") if isinstance(body, dict) else "no detail"
        if response.status == 429 or name == "RateLimitExceeded":
            return self.rate_limited(response, "ratelimit-reset", context.now)
        if response.status in (401, 403) or name in _AUTH_ERRORS:
            return self.credentials_rejected(context, response.status, message)
        if name == "InvalidRequest" and "record" in message.lower() and "not" in message.lower():
            return self.target_unavailable("deleted", message)
        if 400 <= response.status < 500:
            return self.rejected(response.status, message)
        return self.unavailable(response.status)
