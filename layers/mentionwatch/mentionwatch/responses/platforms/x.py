"""X API v2: `POST /2/tweets` with `reply.in_reply_to_tweet_id`, as the brand account (OAuth 2.0 user token).

Success is `201 {"data": {"id", "text"}}`. Errors are problem documents `{"title", "detail", "type", "status"}`
(400 also lists `errors[].message`); 403 covers both a token without write access and a reply X will not take
(deleted or hidden post, conversation limited by its author), told apart by the detail. 429 carries
`x-rate-limit-reset` (epoch seconds).
"""

from __future__ import annotations

import json
from typing import Any

from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext


def _detail(body: Any) -> str:
    if not isinstance(body, dict):
        return "no detail"
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("message"):
        return str(errors[0]["message"])
    return str(body.get("detail") or body.get("title") or "no detail")


class XReplies(ReplyAdapter):
    platform = Platform.X
    default_base_url = "https://api.x.com"

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        token = self.credential(context, "access_token")
        body = {"text": text, "reply": {"in_reply_to_tweet_id": context.mention.native_id}}
        response = self.send(
            http,
            HttpRequest(
                method="POST",
                url=f"{self.base(context)}/2/tweets",
                headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
                body=json.dumps(body).encode(),
                timeout=context.timeout,
            ),
        )
        payload = self.json_of(response)
        if response.status in (200, 201):
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(data, dict) or not data.get("id"):
                raise self.unexpected("the new post's id")
            post_id = str(data["id"])
            return PostedReply(native_id=post_id, link=f"https://x.com/i/web/status/{post_id}")
        detail = _detail(payload)
        lowered = detail.lower()
        if response.status == 429:
            raise self.rate_limited(response, "x-rate-limit-reset", context.now)
        if response.status == 403 and ("deleted" in lowered or "not visible" in lowered):
            raise self.target_unavailable("deleted", detail)
        if response.status == 403 and "conversation" in lowered:
            raise self.target_unavailable("replies_restricted", detail)
        if response.status == 403 and "duplicate" in lowered:
            raise self.rejected(response.status, detail)
        if response.status in (401, 403):
            raise self.credentials_rejected(context, response.status, detail)
        if response.status == 404:
            raise self.target_unavailable("deleted", detail)
        if 400 <= response.status < 500:
            raise self.rejected(response.status, detail)
        raise self.unavailable(response.status)
