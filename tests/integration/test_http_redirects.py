"""Poller HTTP: a redirect to another host never carries the platform token along (loopback servers only)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mentionwatch.pollers.http import HttpRequest, UrllibTransport


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


class Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"authorization": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    other, other_url = serve(Echo)

    class Redirect(Echo):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/same":
                self.send_response(302)
                self.send_header("Location", "/echo")
                self.end_headers()
            elif self.path == "/away":
                self.send_response(302)
                self.send_header("Location", f"{other_url}/echo")
                self.end_headers()
            else:
                super().do_GET()

    home, home_url = serve(Redirect)
    yield home_url, other_url
    for httpd in (home, other):
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str) -> dict:
    response = UrllibTransport().send(HttpRequest(url=url, headers={"Authorization": "Bearer s3cret"}))
    return json.loads(response.body)


def test_a_redirect_within_the_host_keeps_the_token(servers):
    home, _ = servers
    assert fetch(f"{home}/same") == {"authorization": "Bearer s3cret"}


def test_a_redirect_to_another_host_drops_the_token(servers):
    home, _ = servers
    assert fetch(f"{home}/away") == {"authorization": None}
