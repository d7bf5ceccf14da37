"""The real urllib transport against a throwaway HTTP server on loopback (no outside network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mentionwatch.exceptions import UpstreamError
from mentionwatch.pollers.http import HttpRequest, UrllibTransport


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/feed"):
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            body = json.dumps({"path": self.path, "ua": self.headers.get("User-Agent")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", '"v1"')
            self.send_header("X-RateLimit-Remaining", "42")
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b'{"error": "not found"}')

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.send_response(429)
        self.send_header("Retry-After", "30")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_with_params_returns_status_lowercased_headers_and_body(server):
    response = UrllibTransport().send(
        HttpRequest(url=f"{server}/feed", params={"q": "acme air", "limit": "5"}, headers={"User-Agent": "mw-test"})
    )
    assert response.status == 200
    assert response.header("ETag") == '"v1"' and response.headers["x-ratelimit-remaining"] == "42"
    assert response.json_body() == {"path": "/feed?q=acme+air&limit=5", "ua": "mw-test"}


def test_304_and_404_are_responses_not_errors(server):
    transport = UrllibTransport()
    assert transport.send(HttpRequest(url=f"{server}/feed", headers={"If-None-Match": '"v1"'})).status == 304
    missing = transport.send(HttpRequest(url=f"{server}/nothing"))
    assert (missing.status, missing.json_body()) == (404, {"error": "not found"})


def test_post_body_is_sent_and_429_headers_are_kept(server):
    response = UrllibTransport().send(HttpRequest(method="POST", url=f"{server}/token", body=b"grant_type=x"))
    assert (response.status, response.header("retry-after"), response.body) == (429, "30", b"grant_type=x")


def test_unreachable_host_is_an_upstream_error_naming_the_host():
    with pytest.raises(UpstreamError) as caught:
        UrllibTransport().send(HttpRequest(url="http://127.0.0.1:9/feed", timeout=2))
    assert "127.0.0.1:9" in caught.value.message


def test_non_http_scheme_is_refused():
    with pytest.raises(UpstreamError):
        UrllibTransport().send(HttpRequest(url="file:///etc/passwd"))


def test_oversized_response_is_refused(server):
    with pytest.raises(UpstreamError):
        UrllibTransport(max_response_bytes=10).send(HttpRequest(url=f"{server}/feed"))
