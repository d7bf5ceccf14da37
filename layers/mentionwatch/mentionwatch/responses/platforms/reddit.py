"""Reddit: `POST /api/comment` (`api_type=json`, `thing_id` = the fullname `t1_…`/`t3_…`, `text`) on
oauth.reddit.com as the brand's account (a bearer token with the `submit` scope) and Reddit's required
User-Agent.

Reddit answers 200 even when it refuses: `{"json": {"errors": [[CODE, message, field], …], "data": …}}`.
DELETED_COMMENT/DELETED_LINK → deleted; THREAD_LOCKED/TOO_OLD/ARCHIVED → locked; RATELIMIT → rate limit ("take a
break for N minutes"); USER_REQUIRED → credentials. A success lists the new comment in `data.things`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from mentionwatch.exceptions import ReplyRateLimited
from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext

_DELETED = frozenset({"DELETED_COMMENT", "DELETED_LINK", "NO_LINK", "NO_THING_ID"})
_LOCKED = frozenset({"THREAD_LOCKED", "TOO_OLD", "ARCHIVED", "COMMENT_LOCKED", "SUBREDDIT_NOTALLOWED"})


def _minutes(message: str) -> int:
    match = re.search(r"(\d+)\s*(minute|second)", message)
    if not match:
        return 60
    return int(match.group(1)) * (60 if match.group(2) == "minute" else 1)


class RedditReplies(ReplyAdapter):
    platform = Platform.REDDIT
    default_base_url = "https://oauth.reddit.com"

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        token = self.credential(context, "access_token")
        agent = context.credentials.get("user_agent") or f"server:mentionwatch:1.0 (by /u/{context.account})"
        response = self.send(
            http,
            HttpRequest(
                method="POST",
                url=f"{self.base(context)}/api/comment",
                headers={
                    "authorization": f"Bearer {token}",
                    "user-agent": agent,
                    "content-type": "application/x-www-form-urlencoded",
                },
                body=urlencode({"api_type": "json", "thing_id": context.mention.native_id, "text": text}).encode(),
                timeout=context.timeout,
            ),
        )
        body = self.json_of(response)
        if response.status == 429:
            raise self.rate_limited(response)
        if response.status in (401, 403):
            raise self.credentials_rejected(context, response.status, _message(body))
        if response.status == 404:
            raise self.target_unavailable("deleted", _message(body))
        if 400 <= response.status < 500:
            raise self.rejected(response.status, _message(body))
        if response.status != 200:
            raise self.unavailable(response.status)
        result = body.get("json") if isinstance(body, dict) else None
        if not isinstance(result, dict):
            raise self.unexpected("a json result")
        errors = result.get("errors") or []
        if errors:
            code, message = _first_error(errors)
            if code in _DELETED:
                raise self.target_unavailable("deleted", message)
            if code in _LOCKED:
                raise self.target_unavailable("locked", message)
            if code == "RATELIMIT":
                seconds = _minutes(message)
                raise ReplyRateLimited(f"reddit rate-limited the reply; try again in {seconds} s", retry_after=seconds)
            if code == "USER_REQUIRED":
                raise self.credentials_rejected(context, 200, message)
            raise self.rejected(200, f"{code}: {message}")
        things = (result.get("data") or {}).get("things") or []
        data = things[0].get("data") if things and isinstance(things[0], dict) else None
        if not isinstance(data, dict) or not data.get("name"):
            raise self.unexpected("the new comment")
        permalink = data.get("permalink")
        return PostedReply(
            native_id=str(data["name"]), link=f"https://www.reddit.com{permalink}" if permalink else None
        )


def _first_error(errors: Any) -> tuple[str, str]:
    first = errors[0] if isinstance(errors, list) and errors else []
    if isinstance(first, list) and first:
        return str(first[0]), str(first[1]) if len(first) > 1 else ""
    return "UNKNOWN", str(first)


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or "no detail")
    return "no detail"
