"""YouTube Data API v3, as the brand's channel (OAuth token with the youtube.force-ssl scope).

- A video mention gets a top-level comment: `POST /youtube/v3/commentThreads?part=snippet` with
  `snippet.videoId` and `snippet.topLevelComment.snippet.textOriginal` → a commentThread resource.
- A comment mention gets a reply under its thread: `POST /youtube/v3/comments?part=snippet` with
  `snippet.parentId` and `snippet.textOriginal` → a comment resource.
Errors are `{"error": {"code", "message", "errors": [{"reason", "domain", "message"}]}}`: 401 authError;
403 forbidden/insufficientPermissions/ineligibleAccount (credentials), quotaExceeded/rateLimitExceeded (rate
limit), commentsDisabled (locked); 404 commentNotFound/videoNotFound (deleted); 400 operationNotSupported and
parentCommentIsPrivate (locked), commentTextTooLong and others (rejected).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mentionwatch.exceptions import ReplyRateLimited
from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext

VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
QUOTA_RETRY_SECONDS = 3600
_LOCKED = frozenset({"commentsDisabled", "operationNotSupported", "parentCommentIsPrivate", "processingFailure"})
_QUOTA = frozenset({"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"})


def _reason(body: Any) -> tuple[str, str]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", "no detail"
    details = error.get("errors")
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    return str(first.get("reason") or ""), str(error.get("message") or first.get("message") or "no detail")


class YouTubeReplies(ReplyAdapter):
    platform = Platform.YOUTUBE
    default_base_url = "https://www.googleapis.com"

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        token = self.credential(context, "access_token")
        target = context.mention.native_id
        is_video = bool(VIDEO_ID.fullmatch(target))
        if is_video:
            resource = "commentThreads"
            body: dict[str, Any] = {
                "snippet": {"videoId": target, "topLevelComment": {"snippet": {"textOriginal": text}}}
            }
        else:
            resource = "comments"
            body = {"snippet": {"parentId": target, "textOriginal": text}}
        response = self.send(
            http,
            HttpRequest(
                method="POST",
                url=f"{self.base(context)}/youtube/v3/{resource}",
                params={"part": "snippet"},
                headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
                body=json.dumps(body).encode(),
                timeout=context.timeout,
            ),
        )
        payload = self.json_of(response)
        if response.status == 200 and isinstance(payload, dict):
            comment_id = payload.get("id")
            if is_video:
                top = ((payload.get("snippet") or {}).get("topLevelComment") or {}).get("id")
                comment_id = top or comment_id
            if not comment_id:
                raise self.unexpected("the new comment's id")
            video = target if is_video else None
            link = f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else context.mention.permalink
            return PostedReply(native_id=str(comment_id), link=link)
        reason, message = _reason(payload)
        if reason in _QUOTA or response.status == 429:
            seconds = QUOTA_RETRY_SECONDS if reason == "quotaExceeded" else 60
            raise ReplyRateLimited(
                f"youtube rate-limited the reply ({reason}); try again in {seconds} s", retry_after=seconds
            )
        if reason in _LOCKED:
            raise self.target_unavailable("locked", message)
        if response.status == 404:
            raise self.target_unavailable("deleted", message)
        if response.status in (401, 403):
            raise self.credentials_rejected(context, response.status, message)
        if 400 <= response.status < 500:
            raise self.rejected(response.status, message)
        raise self.unavailable(response.status)
