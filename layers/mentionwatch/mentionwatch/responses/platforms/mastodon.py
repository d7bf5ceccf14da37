"""Mastodon: resolve the mention on the brand account's own instance, then `POST /api/v1/statuses`.

A status has a different id on every instance, so the mention (known by its URI) is first looked up with
`GET /api/v2/search?q=<uri>&type=statuses&resolve=true` on the brand's instance; its local id is the
`in_reply_to_id`. A private answer is `visibility=direct`, delivered to the accounts the text mentions (the
author's handle is put in front when missing). Mastodon honours an `Idempotency-Key` header, so the client's key
is passed on. Errors are `{"error": "…"}`: 401 token, 404 record not found, 422 validation, 429 rate limit.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from mentionwatch.exceptions import ReplyRateLimited
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Platform
from mentionwatch.pollers.http import HttpRequest, HttpResponse, HttpTransport
from mentionwatch.responses.platforms.base import PostedReply, ReplyAdapter, ReplyContext


def instance_of(account_uri: str) -> str:
    parts = urlsplit(account_uri)
    return f"{parts.scheme or 'https'}://{parts.netloc}" if parts.netloc else "https://mastodon.social"


def status_uri(native_id: str) -> str:
    return native_id if native_id.startswith(("http://", "https://")) else f"https://{native_id}"


def _native_id(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.netloc}{parts.path}".rstrip("/") if parts.netloc else uri


class MastodonReplies(ReplyAdapter):
    platform = Platform.MASTODON
    supports_private = True
    default_base_url = ""

    def base(self, context: ReplyContext) -> str:
        return (context.base_url or instance_of(context.account)).rstrip("/")

    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        token = self.credential(context, "access_token")
        auth = {"authorization": f"Bearer {token}"}
        base = self.base(context)
        search = self.send(
            http,
            HttpRequest(
                url=f"{base}/api/v2/search",
                params={
                    "q": status_uri(context.mention.native_id),
                    "type": "statuses",
                    "resolve": "true",
                    "limit": "1",
                },
                headers=auth,
                timeout=context.timeout,
            ),
        )
        found = self.json_of(search)
        if search.status != 200:
            raise self.error(search, context)
        statuses = found.get("statuses") if isinstance(found, dict) else None
        if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
            raise self.target_unavailable("deleted", "the brand's instance cannot find the post any more")
        local_id = str(statuses[0].get("id") or "")
        if not local_id:
            raise self.unexpected("the post's local id")
        private = context.visibility is ResponseKind.PRIVATE_REPLY
        handle = f"@{context.mention.author.handle}"
        if private and handle.lower() not in text.lower():
            text = f"{handle} {text}"  # a direct message reaches only the accounts it mentions
        response = self.send(
            http,
            HttpRequest(
                method="POST",
                url=f"{base}/api/v1/statuses",
                headers=auth
                | {"content-type": "application/x-www-form-urlencoded", "idempotency-key": context.idempotency_key},
                body=urlencode(
                    {"status": text, "in_reply_to_id": local_id, "visibility": "direct" if private else "public"}
                ).encode(),
                timeout=context.timeout,
            ),
        )
        status = self.json_of(response)
        if response.status != 200:
            raise self.error(response, context)
        if not isinstance(status, dict) or not status.get("uri"):
            raise self.unexpected("the new status")
        return PostedReply(native_id=_native_id(str(status["uri"])), link=status.get("url") or status.get("uri"))

    def error(self, response: HttpResponse, context: ReplyContext) -> Exception:
        body = self.json_of(response)
        detail = str(body.get("error") or "no detail") if isinstance(body, dict) else "no detail"
        if response.status == 429:
            return (
                self.rate_limited(response, now=context.now)
                if response.header("retry-after")
                else self._reset(response, context.now)
            )
        if response.status in (401, 403):
            return self.credentials_rejected(context, response.status, detail)
        if response.status in (404, 410):
            return self.target_unavailable("deleted", detail)
        if 400 <= response.status < 500:
            return self.rejected(response.status, detail)
        return self.unavailable(response.status)

    def _reset(self, response: HttpResponse, now: datetime) -> Exception:
        """Mastodon's `X-RateLimit-Reset` is an ISO 8601 time."""
        reset = response.header("x-ratelimit-reset")
        seconds = 60
        if reset:
            with contextlib.suppress(ValueError):
                seconds = max(1, int((datetime.fromisoformat(reset.replace("Z", "+00:00")) - now).total_seconds()))
        return ReplyRateLimited(f"mastodon rate-limited the reply; try again in {seconds} s", retry_after=seconds)
