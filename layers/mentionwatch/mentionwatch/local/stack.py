"""One process that behaves like the deployed stack: moto in-process (`mock_aws`, no HTTP hop per AWS call) with
the template's resources, the HTTP API turning requests into API Gateway 2.0 events, and SQS driven into functions
like an event source mapping (batch size, batching window, partial batch failures, redrive to the DLQ).

Like API Gateway + Lambda: every handler is loaded before the port accepts connections; each function runs one
invocation at a time (Powertools keeps the current event on module-level objects, as one Lambda execution
environment does); a method no route takes is 405, a request with broken framing 400.

`LocalStack.in_process()` is the fast entry point for replay and benchmarks: the same resources and handlers with
no HTTP server and no queue threads; the caller invokes functions and drains queues itself (`drain_inline`).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
from botocore.config import Config

from mentionwatch import aws
from mentionwatch.local import fastmoto
from mentionwatch.local.auth import LocalJwtAuthorizer
from mentionwatch.local.template import HttpRoute, QueueSource, Template, load_template

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "mentionwatch-local"
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/atom+xml",
    "application/x-www-form-urlencoded",
)
# API Gateway's payload limit; a larger body is refused before any function runs.
MAX_BODY_BYTES = 10 * 1024 * 1024
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# What differs from a deployed stack, on purpose: the local analyzer, secrets from a file, quiet Powertools.
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's fake credentials
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "MENTIONWATCH_AWS_PARAMETER_VALIDATION": "true",  # a malformed request fails loudly here, not in production
}


def _setup_client(service: str) -> Any:
    """A client for creating the stack's resources: moto's first call to a service can take seconds on a loaded
    machine (it builds the backend), far past the tight budgets in `aws.py` that fit inside a Lambda."""
    return boto3.session.Session().client(
        service, config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    )


class _FunctionOutput:
    """sys.stdout stand-in: what functions print (EMF metrics, logs) goes to their own sink, like CloudWatch Logs,
    while the demo's own output stays readable. Routing is per thread, so concurrent printing is safe."""

    def __init__(self, console: Any, sink: Any) -> None:
        self._console = console
        self._sink = sink
        self._local = threading.local()

    def inside_function(self, active: bool) -> None:
        self._local.active = active

    def _target(self) -> Any:
        return self._sink if getattr(self._local, "active", False) else self._console

    def write(self, text: str) -> int:
        written: int = self._target().write(text)
        return written

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._console, name)


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _path_matches(template_path: str, path: str) -> dict[str, str] | None:
    wanted = template_path.strip("/").split("/")
    actual = path.strip("/").split("/")
    params: dict[str, str] = {}
    for index, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):
            params[part[1:-2]] = "/".join(actual[index:])
            return params if index < len(actual) else None
        if index >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not actual[index]:
                return None
            params[part[1:-1]] = actual[index]
        elif part != actual[index]:
            return None
    return params if len(actual) == len(wanted) else None


def _error_body(code: str, message: str, field: str | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()


def _read_body(headers: Any, stream: Any) -> bytes | tuple[int, str, str]:
    """The request body, or (status, code, message) when the framing is broken or the body too large."""
    lengths = headers.get_all("content-length") or []
    encodings = [
        part.strip().lower() for value in headers.get_all("transfer-encoding") or [] for part in value.split(",")
    ]
    if lengths and encodings:
        return 400, "bad_framing", "a request cannot carry both Content-Length and Transfer-Encoding"
    if encodings:
        if encodings != ["chunked"]:
            return 400, "bad_framing", "the only transfer coding accepted is chunked"
        return _read_chunked(stream)
    if not lengths:
        return b""
    values = {value.strip() for value in lengths}
    if len(values) != 1 or not next(iter(values)).isdigit():
        return 400, "bad_framing", "Content-Length must be one non-negative integer"
    length = int(next(iter(values)))
    if length > MAX_BODY_BYTES:
        return 413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
    body: bytes = stream.read(length) if length else b""
    if len(body) != length:
        return 400, "bad_framing", "the body ended before Content-Length bytes"
    return body


def _read_chunked(stream: Any) -> bytes | tuple[int, str, str]:
    body = bytearray()
    while True:
        line = stream.readline(1026)
        size_text = line.split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            return 400, "bad_framing", "a chunk size line is malformed"
        size = int(size_text, 16)
        if size == 0:
            while True:  # trailer fields, up to the empty line
                trailer = stream.readline(65537)
                if trailer in (b"\r\n", b"\n", b""):
                    return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            return 413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes"
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(3) not in (b"\r\n", b"\n"):
            return 400, "bad_framing", "a chunk is shorter than its size or not followed by CRLF"
        body += chunk


class LocalStack:
    def __init__(
        self,
        root: Path,
        http_port: int = 0,
        parameter_overrides: Mapping[str, str] | None = None,
        environment_overrides: Mapping[str, str] | None = None,
        log_level: str = "WARNING",
        function_output: Any = None,
        local_token: str | None = None,
        aws_endpoint: bool = False,
    ) -> None:
        self.root = root
        self.template = Template(
            load_template(root / "template.yaml"),
            {"SentimentAnalyzer": "local", **(parameter_overrides or {})},
        )
        self.environment_overrides = {
            "MENTIONWATCH_SECRETS_FILE": os.environ.get(
                "MENTIONWATCH_SECRETS_FILE", str(root / "events" / "dev-secrets.json")
            ),
            "POWERTOOLS_LOG_LEVEL": log_level,
            "MENTIONWATCH_CONSOLE_SIGN_IN": "local",  # the console asks for the local bearer token
            **(environment_overrides or {}),
        }
        self.http_port = http_port
        self._explicit_public_url = bool((parameter_overrides or {}).get("PublicBaseUrl"))
        self.function_output = function_output if function_output is not None else io.StringIO()
        self._stdout: _FunctionOutput | None = None
        self._saved_environment: dict[str, str] = {}
        # Routes behind the template's JWT authorizer need a bearer token locally too (local/auth.py).
        self.authorizer = LocalJwtAuthorizer.from_environment(self.template, os.environ, token=local_token)
        # In-process by default; `aws_endpoint=True` (make serve) also opens a moto server on loopback that shares
        # the same state, for the AWS CLI and other tools.
        self.aws_endpoint = aws_endpoint
        self.endpoint = "in-process (moto mock_aws)"
        self.handlers: dict[str, Any] = {}
        self.function_specs = {fn.logical_id: fn for fn in self.template.functions()}
        self.errors: list[str] = []
        self._moto: Any = None
        self._mock: Any = None
        self._invocation_locks: dict[str, threading.Lock] = {}
        self._http: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self.fake_platforms: Any = None  # local/fake_platforms.py, started with the stack's HTTP server

    # --- lifecycle -----------------------------------------------------------------------------------
    @classmethod
    def in_process(cls, root: Path, **options: Any) -> LocalStack:
        """The stack without its HTTP server and queue threads (replay, benchmarks): started, ready to invoke."""
        return cls(root, **options).start(serve=False)

    def start(self, serve: bool = True) -> LocalStack:
        from moto import mock_aws

        self._saved_environment = dict(os.environ)
        os.environ.update(LOCAL_ENVIRONMENT)
        os.environ.pop("AWS_ENDPOINT_URL", None)
        self._stdout = _FunctionOutput(sys.stdout, self.function_output)
        sys.stdout = self._stdout
        fastmoto.install()
        self._mock = mock_aws()
        self._mock.start()
        self._mock.reset()  # every stack starts from an empty account, even inside a test's own mock
        os.environ.update(LOCAL_ENVIRONMENT)  # mock_aws sets its own fake credentials; keep the documented ones
        aws.reset_clients()
        if self.aws_endpoint:
            self._start_aws_endpoint()

        self._create_resources()
        if serve:
            self._bind_http()  # bound (not yet listening) first: links the functions make point at its port
            self._start_fake_platforms()
            if "PublicBaseUrl" in self.template.parameters and not self._explicit_public_url:
                self.template.parameters["PublicBaseUrl"] = self.url
        self._configure_functions()
        if serve:
            self._open_http()  # only now: no request can reach a function that is not loaded yet
            if self.authorizer.generated:
                print(self.authorizer.banner(self.url), file=sys.stderr, flush=True)
            for source in self.template.queue_sources():
                self._start_thread(self._pump, source)
        return self

    def _start_aws_endpoint(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per AWS call is noise here
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def _start_fake_platforms(self) -> None:
        """Replies from mentionwatch go to fake platform APIs that echo them to our webhooks (issue 11)."""
        from mentionwatch.local.fake_platforms import FakePlatforms

        secrets_file = Path(self.environment_overrides["MENTIONWATCH_SECRETS_FILE"])
        self.fake_platforms = FakePlatforms(self.url, secrets_file).start()
        self.environment_overrides.setdefault(
            "MENTIONWATCH_PLATFORM_ENDPOINTS", json.dumps(self.fake_platforms.endpoints())
        )

    def stop(self) -> None:
        self._stop.set()
        if self.fake_platforms is not None:
            self.fake_platforms.stop()
        if self._http:
            self._http.shutdown()
            self._http.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._moto:
            self._moto.stop()
        if self._mock is not None:
            self._mock.reset()
            self._mock.stop()
            self._mock = None
        os.environ.clear()
        os.environ.update(self._saved_environment)
        aws.reset_clients()
        if self._stdout is not None and sys.stdout is self._stdout:
            sys.stdout = self._stdout._console

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._http is not None
        host, port = self._http.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}"

    def physical(self, logical_id: str, attribute: str = "Ref") -> str:
        return self.template.physical[logical_id][attribute]

    # --- resources -----------------------------------------------------------------------------------
    def _create_resources(self) -> None:
        template = self.template
        dynamodb, sqs, sns, secrets, ssm = (
            _setup_client(name) for name in ("dynamodb", "sqs", "sns", "secretsmanager", "ssm")
        )

        for name, spec in template.of_type("AWS::DynamoDB::Table").items():
            props = template.resolve(spec.get("Properties", {}))
            table = f"{STACK}-{name}"
            request = {
                "TableName": table,
                "KeySchema": props["KeySchema"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            }
            if props.get("GlobalSecondaryIndexes"):
                request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            dynamodb.create_table(**request)
            ttl = props.get("TimeToLiveSpecification")
            if ttl and str(ttl.get("Enabled")).lower() == "true":
                dynamodb.update_time_to_live(
                    TableName=table,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
            template.physical[name] = {"Ref": table, "Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"}

        queues = template.of_type("AWS::SQS::Queue")
        # Dead-letter queues first: their ARNs appear in the others' redrive policies.
        ordered = sorted(queues, key=lambda name: "RedrivePolicy" in queues[name].get("Properties", {}))
        for name in ordered:
            props = queues[name].get("Properties", {})
            queue_name = f"{STACK}-{name}"
            attributes = {}
            for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds"):
                if key in props:
                    attributes[key] = str(template.resolve(props[key]))
            url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
            arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}"
            template.physical[name] = {"Ref": url, "Arn": arn, "QueueUrl": url, "QueueName": queue_name}
            if "RedrivePolicy" in props:
                policy = template.resolve(props["RedrivePolicy"])
                sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)})

        for name in template.of_type("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=f"{STACK}-{name}")["TopicArn"]
            template.physical[name] = {"Ref": arn, "TopicArn": arn, "TopicName": f"{STACK}-{name}"}

        secrets_file = Path(self.environment_overrides["MENTIONWATCH_SECRETS_FILE"])
        for name in template.of_type("AWS::SecretsManager::Secret"):
            secret_value = secrets_file.read_text(encoding="utf-8") if secrets_file.exists() else "{}"
            arn = secrets.create_secret(Name=f"{STACK}-{name}", SecretString=secret_value)["ARN"]
            template.physical[name] = {"Ref": arn, "Id": arn}

        for name in template.of_type("AWS::SSM::Parameter"):
            props = template.resolve(template.resources[name].get("Properties", {}))
            parameter = props.get("Name") or f"/{STACK}/{name}"
            ssm.put_parameter(Name=parameter, Value=str(props.get("Value", "")), Type=props.get("Type", "String"))
            template.physical[name] = {"Ref": parameter}

        for name in template.of_type("AWS::Serverless::HttpApi"):
            template.physical[name] = {"Ref": "local", "ApiEndpoint": "http://127.0.0.1"}
        for name in template.of_type("AWS::Serverless::LayerVersion"):
            template.physical[name] = {"Ref": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{name}:1"}

    def _configure_functions(self) -> None:
        environment: dict[str, str] = {}
        for spec in self.function_specs.values():
            for key, value in spec.environment.items():
                resolved = self.template.resolve(value)
                if resolved is not None:
                    environment[key] = str(resolved)
        environment.pop("MENTIONWATCH_SECRETS_ID", None)  # locally, secrets come from the file
        os.environ.update(environment | self.environment_overrides)
        for spec in self.function_specs.values():
            self._invocation_locks[spec.logical_id] = threading.Lock()
            self.handlers[spec.logical_id] = self._load_handler(spec.code_uri, spec.handler, spec.logical_id)

    def _load_handler(self, code_uri: str, handler: str, logical_id: str) -> Any:
        module_name, function_name = handler.rsplit(".", 1)
        path = self.root / code_uri / f"{module_name.replace('.', '/')}.py"
        spec = importlib.util.spec_from_file_location(f"mentionwatch_local_{logical_id}", path)
        assert spec and spec.loader, path
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return getattr(module, function_name)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """One invocation; a function runs one at a time, like one Lambda execution environment."""
        handler = self.handlers[logical_id]
        lock = self._invocation_locks.setdefault(logical_id, threading.Lock())
        with lock:
            context = LambdaContext(function_name=f"{STACK}-{logical_id}", aws_request_id=str(uuid.uuid4()))
            if self._stdout is not None:
                self._stdout.inside_function(True)
            try:
                return handler(event, context)
            finally:
                if self._stdout is not None:
                    self._stdout.inside_function(False)

    # --- HTTP API ------------------------------------------------------------------------------------
    def _bind_http(self) -> None:
        stack = self
        routes = self.template.http_routes()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
                return

            def handle_one_request(self) -> None:
                # Every method reaches `_handle` (the base class answers 501 to any it has no do_ method for).
                try:
                    self.raw_requestline = self.rfile.readline(65537)
                    if len(self.raw_requestline) > 65536:
                        self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                        return
                    if not self.raw_requestline:
                        self.close_connection = True
                        return
                    if not self.parse_request():
                        return
                    self._handle()
                    self.wfile.flush()
                except TimeoutError:
                    self.close_connection = True

            def _handle(self) -> None:
                framing = _read_body(self.headers, self.rfile)
                if isinstance(framing, tuple):
                    status, code, message = framing
                    self.close_connection = True  # the stream can no longer be trusted to find the next request
                    self._answer(
                        status, {"content-type": "application/json", "connection": "close"}, _error_body(code, message)
                    )
                    return
                status, headers, payload = stack.http_request(
                    self.command, self.path, dict(self.headers.items()), framing, routes
                )
                self._answer(status, headers, payload)

            def _answer(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

        self._http = ThreadingHTTPServer(("127.0.0.1", self.http_port), Handler, bind_and_activate=False)
        try:
            self._http.server_bind()
        except OSError:
            self._http.server_close()
            raise

    def _open_http(self) -> None:
        assert self._http is not None
        self._http.server_activate()  # listen(): connections are refused until here, never half-served
        self._start_thread(self._http.serve_forever)

    def http_request(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, routes: list[HttpRoute] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        allowed: set[str] = set()
        for route in routes if routes is not None else self.template.http_routes():
            params = _path_matches(route.path, split.path)
            if params is None:
                continue
            if route.method not in (method, "ANY"):
                allowed.add(route.method)
                continue
            event = self.api_gateway_event(route, method, split.path, split.query, headers, body, params)
            denial = self.authorizer.authorize(route, event)
            if denial is not None:
                return denial
            try:
                response = self.invoke(route.function, event)
            except Exception:  # noqa: BLE001 - API Gateway answers 500 when the function fails
                self.errors.append(traceback.format_exc())
                traceback.print_exc()
                return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
            return self._http_response(response)
        if allowed:
            return (
                405,
                {"content-type": "application/json", "allow": ", ".join(sorted(allowed))},
                _error_body("method_not_allowed", f"{method} is not allowed here; use {', '.join(sorted(allowed))}"),
            )
        return 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'

    @staticmethod
    def api_gateway_event(
        route: HttpRoute,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        params: dict[str, str],
    ) -> dict[str, Any]:
        lowered = {key.lower(): value for key, value in headers.items()}
        content_type = lowered.get("content-type", "")
        is_text = not body or content_type.startswith(TEXT_TYPES)
        try:
            text = body.decode("utf-8") if is_text else None
        except UnicodeDecodeError:
            text = None
        now = datetime.now(UTC)
        query_params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
        route_key = f"{route.method} {route.path}"
        return {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": lowered,
            "queryStringParameters": query_params or None,
            "pathParameters": params or None,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": "local",
                "domainName": lowered.get("host", "127.0.0.1"),
                "domainPrefix": "local",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": lowered.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "body": text if text is not None else base64.b64encode(body).decode(),
            "isBase64Encoded": text is None,
        }

    @staticmethod
    def _http_response(response: Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(response, dict) or "statusCode" not in response:
            return 200, {"content-type": "application/json"}, json.dumps(response).encode()
        headers = {key.lower(): str(value) for key, value in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            headers[key.lower()] = ", ".join(str(value) for value in values)
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
        return int(response["statusCode"]), headers, payload

    # --- SQS event source mapping --------------------------------------------------------------------
    def _pump(self, source: QueueSource) -> None:
        sqs = aws.client("sqs")
        url = self.physical(source.queue)
        arn = self.physical(source.queue, "Arn")
        window = min(source.window_seconds, 0.2)  # a short window keeps the local stack snappy
        while not self._stop.is_set():
            messages: list[dict[str, Any]] = []
            deadline = time.monotonic() + window
            try:
                while len(messages) < source.batch_size and not self._stop.is_set():
                    received = sqs.receive_message(
                        QueueUrl=url,
                        MaxNumberOfMessages=min(10, source.batch_size - len(messages)),
                        AttributeNames=["All"],
                        MessageAttributeNames=["All"],
                        WaitTimeSeconds=0,
                    ).get("Messages", [])
                    messages.extend(received)
                    if not received:
                        if time.monotonic() >= deadline or not messages:
                            break
                        time.sleep(0.02)
                if messages:
                    with self._busy_lock:
                        self._busy += 1
                    try:
                        self._deliver(source, sqs, url, arn, messages)
                    finally:
                        with self._busy_lock:
                            self._busy -= 1
            except Exception:  # noqa: BLE001 - keep pumping; the error is reported like a Lambda error
                self.errors.append(traceback.format_exc())
                traceback.print_exc()
            if not messages:
                self._stop.wait(0.05)

    def _deliver(self, source: QueueSource, sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._sqs_record(message, arn) for message in messages]}
        try:
            response = self.invoke(source.function, event) or {}
            failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - a failed invocation returns the whole batch to the queue
            self.errors.append(traceback.format_exc())
            traceback.print_exc()
            failed = {message["MessageId"] for message in messages}
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )
        for message in messages:
            if message["MessageId"] in failed:
                # Visible again at once; the queue's redrive policy moves it to the DLQ after maxReceiveCount.
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)

    @staticmethod
    def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "dataType": value.get("DataType", "String"),
                "stringListValues": [],
                "binaryListValues": [],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": REGION,
        }

    def drain_inline(self, max_batches: int = 1_000_000) -> int:
        """Run every queue-fed function on this thread until its queues are empty (the in-process stack has no
        pump threads). Batches are as large as the event source mapping's batch size; no window is waited out.
        Returns the number of batches delivered."""
        sqs = aws.client("sqs")
        sources = [
            (source, self.physical(source.queue), self.physical(source.queue, "Arn"))
            for source in self.template.queue_sources()
        ]
        delivered = 0
        while delivered < max_batches:
            progressed = False
            for source, url, arn in sources:
                messages = self._receive(sqs, url, source.batch_size)
                if messages:
                    self._deliver(source, sqs, url, arn, messages)
                    delivered += 1
                    progressed = True
            if not progressed:
                return delivered
        return delivered

    @staticmethod
    def _receive(sqs: Any, url: str, batch_size: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            received = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until every queue feeding a function is empty and no batch is being processed."""
        sqs = aws.client("sqs")
        urls = [self.physical(source.queue) for source in self.template.queue_sources()]
        deadline = time.monotonic() + timeout
        quiet_rounds = 0
        while time.monotonic() < deadline:
            pending = 0
            for url in urls:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                pending += int(attributes["ApproximateNumberOfMessages"]) + int(
                    attributes["ApproximateNumberOfMessagesNotVisible"]
                )
            with self._busy_lock:
                busy = self._busy
            quiet_rounds = quiet_rounds + 1 if pending == 0 and busy == 0 else 0
            if quiet_rounds >= 2:
                return
            time.sleep(0.05)
        raise TimeoutError(f"queues did not drain within {timeout} s")

    def _start_thread(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)
