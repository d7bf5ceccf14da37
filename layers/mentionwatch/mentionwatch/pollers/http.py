"""The pollers' only way out to the network: a small HTTP transport over `urllib.request`.

The standard library keeps the layer free of `requests`; pollers receive any object with `send()`, so
tests hand in a scripted fake and never open a socket.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Protocol
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MalformedPayload, UpstreamError
from mentionwatch.sources.payloads import load_json

MAX_RESPONSE_BYTES = 5 * 1024 * 1024


class HttpRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: Literal["GET", "POST"] = "GET"
    url: str
    params: Mapping[str, str] = {}
    repeated: tuple[tuple[str, str], ...] = ()  # list parameters, one pair per value (`actors=a&actors=b`)
    headers: Mapping[str, str] = {}
    body: bytes | None = None
    timeout: Annotated[float, Field(gt=0, le=60)] = 10.0

    @property
    def full_url(self) -> str:
        if not self.params and not self.repeated:
            return self.url
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{urlencode([*self.params.items(), *self.repeated])}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


class HttpResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: int
    headers: Mapping[str, str] = {}  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json_body(self, host: str = "platform") -> Any:
        try:
            return load_json(self.body)  # bounded like a webhook: depth, integer size, lone surrogates
        except MalformedPayload as err:
            raise UpstreamError(
                f"{host} answered HTTP {self.status} with a body that is not usable JSON: {err}"
            ) from None


class HttpTransport(Protocol):
    def send(self, request: HttpRequest) -> HttpResponse:
        """Perform the request: any HTTP status is a response; only failing to talk is an `UpstreamError`."""
        ...


class _CredentialSafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, but never downgrades https to http and never carries credentials to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if old.scheme == "https" and new.scheme != "https":
            raise urllib.error.HTTPError(newurl, code, "refused a redirect from https to http", headers, fp)
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and (old.scheme, old.netloc) != (new.scheme, new.netloc):
            for name in ("Authorization", "Cookie", "Proxy-authorization"):
                redirected.remove_header(name)
                redirected.unredirected_hdrs.pop(name, None)
        return redirected


_OPENER = urllib.request.build_opener(_CredentialSafeRedirects)


class UrllibTransport:
    """Real HTTP. Redirects are followed for GET; bodies are capped; errors name the host, never a token."""

    def __init__(self, max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.max_response_bytes = max_response_bytes

    def send(self, request: HttpRequest) -> HttpResponse:
        url = request.full_url
        if urlsplit(url).scheme not in ("http", "https"):
            raise UpstreamError(f"refusing to fetch a non-HTTP URL from {request.host or 'an empty host'}")
        outgoing = urllib.request.Request(  # noqa: S310  (scheme checked above)
            url, data=request.body, headers=dict(request.headers), method=request.method
        )
        try:
            with _OPENER.open(outgoing, timeout=request.timeout) as response:
                return self._response(response.status, response.headers, response)
        except urllib.error.HTTPError as err:  # 4xx/5xx (and 304) are answers, not failures
            with err:
                return self._response(err.code, err.headers, err)
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise UpstreamError(f"could not reach {request.host}: {reason}") from None

    def _response(self, status: int, headers: Any, stream: Any) -> HttpResponse:
        body = stream.read(self.max_response_bytes + 1) if stream is not None else b""
        if len(body) > self.max_response_bytes:
            raise UpstreamError(f"response larger than {self.max_response_bytes} bytes")
        names = {key.lower(): value for key, value in (headers.items() if headers is not None else [])}
        return HttpResponse(status=status, headers=names, body=body)
