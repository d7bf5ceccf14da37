"""Facebook Pages and Instagram through the Graph API, as the Page (its Page access token).

- Facebook public: `POST /{post-or-comment-id}/comments` `message=…` → `{"id": "<comment id>"}`.
- Facebook private: `POST /{comment-id}/private_replies` `message=…` → `{"id": "<message id>"}` (one per comment).
- Instagram: `POST /{ig-comment-id}/replies` `message=…` → `{"id": "<ig comment id>"}`.
Errors are `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`, mostly with HTTP 400:
code 190/102 (and `OAuthException` on 401) the token, 10 and 200-299 missing permissions, 4/17/32/613 rate limits,
100 with subcode 33 an object that does not exist (deleted) and 368/1705 a blocked or restricted action.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpResponse, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext

GRAPH_VERSION = "v21.0"
_TOKEN_CODES = frozenset({102, 190})
_RATE_CODES = frozenset({4, 17, 32, 613, 80001})
_BLOCKED_CODES = frozenset({368, 1705})


def _error(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class _GraphReplies(ReplyAdapter):
    default_base_url = "https://graph.facebook.com"
    edge_public: ClassVar[str]

    def edge(self, context: ReplyContext) -> str:
        return self.edge_public

    def link(self, context: ReplyContext, reply_id: str) -> str | None:
        return context.mention.permalink

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        token = self.credential(context, "access_token")
        url = f"{self.base(context)}/{GRAPH_VERSION}/{context.mention.native_id}/{self.edge(context)}"
        response = self.send(
            http,
            HttpRequest(
                method="POST",
                url=url,
                headers={"authorization": f"Bearer {token}", "content-type": "application/x-www-form-urlencoded"},
                body=urlencode({"message": text}).encode(),
                timeout=context.timeout,
            ),
        )
        payload = self.json_of(response)
        if response.status == 200:
            reply_id = payload.get("id") if isinstance(payload, dict) else None
            if not reply_id:
                raise self.unexpected("the reply's id")
            return PostedReply(native_id=str(reply_id), link=self.link(context, str(reply_id)))
        raise self.error(response, payload, context)

    def error(self, response: HttpResponse, payload: Any, context: ReplyContext) -> Exception:
        error = _error(payload)
        code = error.get("code")
        subcode = error.get("error_subcode")
        message = str(error.get("message") or "no detail")
        if code in _RATE_CODES or response.status == 429:
            return self.rate_limited(response)
        if code in _TOKEN_CODES or code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            return self.credentials_rejected(context, response.status, message)
        if response.status in (401, 403):
            return self.credentials_rejected(context, response.status, message)
        if code == 100 and subcode == 33 or response.status == 404:
            return self.target_unavailable("deleted", message)
        if code in _BLOCKED_CODES or code == 10900:  # 10900: this comment already has a private reply
            return self.target_unavailable("locked", message)
        if 400 <= response.status < 500:
            return self.rejected(response.status, message)
        return self.unavailable(response.status)


class FacebookReplies(_GraphReplies):
    platform = Platform.FACEBOOK
    supports_private = True
    edge_public = "comments"

    def edge(self, context: ReplyContext) -> str:
        return "private_replies" if context.visibility is ResponseKind.PRIVATE_REPLY else "comments"

    def link(self, context: ReplyContext, reply_id: str) -> str | None:
        if context.visibility is ResponseKind.PRIVATE_REPLY:
            return None  # a Messenger message has no public address
        return f"https://www.facebook.com/{reply_id}"


class InstagramReplies(_GraphReplies):
    platform = Platform.INSTAGRAM
    edge_public = "replies"
