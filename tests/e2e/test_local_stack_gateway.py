"""The local stack behaves like API Gateway + Lambda at the HTTP edge: methods, framing, one invocation at a time."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest

from mentionwatch.local.stack import LocalStack
from tests.e2e.conftest import E2E_TOKEN
from tests.support import ROOT

pytestmark = pytest.mark.e2e


def raw_exchange(stack: LocalStack, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library fixes the framing) and read one response."""
    host, port = stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PUT", "DELETE", "BREW"])
def test_a_method_no_route_takes_is_405_with_allow(stack: LocalStack, method: str) -> None:
    status, headers, body = raw_exchange(
        stack, f"{method} /mentions HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n".encode()
    )
    assert status == 405
    assert headers["allow"] == "GET"
    assert json.loads(body)["error"]["code"] == "method_not_allowed"


def test_an_unknown_path_is_still_404(stack: LocalStack) -> None:
    status, _, _ = raw_exchange(stack, b"OPTIONS /nowhere HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
    assert status == 404


@pytest.mark.parametrize(
    "framing",
    [
        b"content-length: abc\r\n",
        b"content-length: -5\r\n",
        b"content-length: 2\r\ncontent-length: 3\r\n",
        b"content-length: 2\r\ntransfer-encoding: chunked\r\n",
        b"transfer-encoding: gzip\r\n",
        b"content-length: 50\r\n",  # the body ends before that
    ],
)
def test_broken_framing_is_a_400_not_a_dropped_connection(stack: LocalStack, framing: bytes) -> None:
    request = b"POST /webhooks/standard HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" + framing
    status, headers, body = raw_exchange(stack, request + b"\r\n{}")
    assert status == 400
    assert json.loads(body)["error"]["code"] == "bad_framing"
    assert headers["connection"] == "close"


def test_a_chunked_body_reaches_the_function(stack: LocalStack) -> None:
    request = (
        b"POST /webhooks/nowhere HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"
    )
    status, _, body = raw_exchange(stack, request)
    assert status == 404 and json.loads(body)["error"]["field"] == "source"  # the function answered, not framing


def test_a_malformed_chunk_is_a_400(stack: LocalStack) -> None:
    request = b"POST /webhooks/standard HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    status, _, _ = raw_exchange(stack, request)
    assert status == 400


def test_each_function_runs_one_invocation_at_a_time(stack: LocalStack) -> None:
    """Powertools keeps the current event on module-level objects: two at once would mix up requests."""
    inside = 0
    most = 0
    lock = threading.Lock()
    original = stack.handlers["ApiFunction"]

    def watched(event: dict[str, Any], context: Any) -> Any:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)
        try:
            return original(event, context)
        finally:
            with lock:
                inside -= 1

    stack.handlers["ApiFunction"] = watched
    statuses: list[int] = []
    try:

        def call(n: int) -> None:
            request = f"GET /mentions/x:missing{n} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {E2E_TOKEN}\r\n\r\n"
            statuses.append(raw_exchange(stack, request.encode())[0])

        threads = [threading.Thread(target=call, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stack.handlers["ApiFunction"] = original
    assert most == 1
    assert sorted(statuses) == [404] * 12


def test_the_port_accepts_connections_only_once_every_handler_is_loaded() -> None:
    stack = LocalStack(ROOT, http_port=0, local_token=E2E_TOKEN)
    loaded_when_listening: list[bool] = []
    original = stack._configure_functions

    def configure_and_probe() -> None:
        host, port = stack.url.removeprefix("http://").split(":")
        try:  # bound but not listening while the handlers load: a connection is refused, not half-served
            socket.create_connection((host, int(port)), timeout=1).close()
            loaded_when_listening.append(False)
        except OSError:
            loaded_when_listening.append(True)
        original()

    stack._configure_functions = configure_and_probe  # type: ignore[method-assign]
    stack.start()
    try:
        status, _, _ = raw_exchange(stack, b"GET /openapi.json HTTP/1.1\r\nhost: x\r\n\r\n")
    finally:
        stack.stop()
    assert loaded_when_listening == [True]
    assert status == 200
