"""``http`` actions against a real local HTTP server on 127.0.0.1: templating, errors, retry, timeout."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from pystator import ActionStatus
from pystator.actions import ActionExecutor, HttpActionError, HttpActionsDisabledError, HttpResponse


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    base: str
    requests: list[Recorded] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            if self.path.startswith("/slow"):
                state.release.wait(30)
            if self.path.startswith("/status/"):
                self._reply(int(self.path.rsplit("/", 1)[1]), b'{"error": "nope"}')
            elif self.path.startswith("/flaky") and state.hits[self.path] <= 2:
                self._reply(503, b"busy")
            else:
                self._reply(200, json.dumps({"ok": True, "path": self.path}).encode())

        def _reply(self, status: int, payload: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a time-out test): nothing to answer

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()


def http(url: str, **spec: Any) -> dict[str, Any]:
    options = {k: spec.pop(k) for k in ("timeout", "retry", "retry_backoff", "when") if k in spec}
    return {"http": {"url": url, **spec}, **options}


def test_templated_url_headers_and_json_body(plan: Any, server: Server) -> None:
    entry = http(
        "{{ base }}/orders/{{ order.id }}/fills?note={{ note }}",
        method="PUT",
        headers={"X-Trace": "trace-{{ trace_id }}"},
        body={"qty": "{{ qty }}", "label": "fill of {{ qty }}", "flags": ["{{ urgent }}"]},
    )
    context = {
        "base": server.base,
        "order": {"id": "A/1"},
        "note": "a b&c",
        "trace_id": 42,
        "qty": 100,
        "urgent": True,
    }
    execution = ActionExecutor().execute(plan([entry]), context)
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.SUCCESS, outcome.error
    assert isinstance(outcome.result, HttpResponse)
    assert outcome.result.status == 200
    assert outcome.result.json()["ok"] is True
    request = server.requests[0]
    assert request.method == "PUT"
    assert request.path == "/orders/A%2F1/fills?note=a%20b%26c"
    assert request.headers["X-Trace"] == "trace-42"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"qty": 100, "label": "fill of 100", "flags": [True]}


def test_text_body_and_get_without_body(plan: Any, server: Server) -> None:
    executor = ActionExecutor()
    executor.execute(plan([http(f"{server.base}/text", body="hello {{ who }}")]), {"who": "ops"})
    executor.execute(plan([http(f"{server.base}/get", method="GET")]), {})
    text, get = server.requests
    assert text.body == b"hello ops"
    assert text.headers["Content-Type"].startswith("text/plain")
    assert (get.method, get.body) == ("GET", b"")


def test_status_outside_2xx_fails_with_the_status(plan: Any, server: Server) -> None:
    execution = ActionExecutor().execute(plan([http(f"{server.base}/status/404"), "noop"]), {})
    failed, after = execution.action_results
    assert failed.status is ActionStatus.FAILED
    assert isinstance(failed.error, HttpActionError)
    assert failed.error.status == 404
    assert failed.error.response is not None and failed.error.response.json() == {"error": "nope"}
    assert after.status is ActionStatus.SUCCESS


def test_on_error_continue_records_success_with_the_response(plan: Any, server: Server) -> None:
    execution = ActionExecutor().execute(plan([http(f"{server.base}/status/500", on_error="continue")]), {})
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.SUCCESS
    assert "on_error: continue" in outcome.reason
    assert outcome.result.status == 500


def test_retry_reaches_a_server_that_recovers(plan: Any, server: Server) -> None:
    slept: list[float] = []
    execution = ActionExecutor(sleep=slept.append).execute(
        plan([http(f"{server.base}/flaky", retry=3, retry_backoff=0.5)]), {}
    )
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.SUCCESS
    assert outcome.attempts == 3
    assert server.hits["/flaky"] == 3
    assert slept == [0.5, 1.0]


def test_timeout_against_a_server_that_does_not_answer(plan: Any, server: Server) -> None:
    execution = ActionExecutor().execute(plan([http(f"{server.base}/slow", timeout="200ms")]), {})
    assert execution.action_results[0].status is ActionStatus.TIMED_OUT


async def test_async_paths_send_the_request_off_the_event_loop(plan: Any, server: Server) -> None:
    executor = ActionExecutor()
    sequential = await executor.async_execute(
        plan([http(f"{server.base}/a", body={"n": "{{ n }}"})]), {"n": 1}
    )
    parallel = await executor.async_execute_parallel(
        plan([http(f"{server.base}/b"), http(f"{server.base}/slow", timeout=0.2)]), {}
    )
    assert sequential.all_succeeded
    assert [r.status for r in parallel.action_results] == [ActionStatus.SUCCESS, ActionStatus.TIMED_OUT]
    assert sorted(r.path for r in server.requests) == ["/a", "/b", "/slow"]


@pytest.mark.parametrize(
    ("url", "context", "message"),
    [
        ("file:///etc/passwd", {}, "http:// or https://"),
        ("{{ target }}", {"target": "ftp://example.invalid/x"}, "http:// or https://"),
        ("http://127.0.0.1:1/{{ missing }}", {}, "'missing' is not in the context"),
        ("http://127.0.0.1:1/{{ 1 + 1 }}", {}, "not a name"),
    ],
)
def test_bad_urls_and_templates_fail_clearly_without_a_request(
    plan: Any, url: str, context: dict[str, Any], message: str
) -> None:
    outcome = ActionExecutor().execute(plan([http(url)]), context).action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert message in str(outcome.error)


def test_header_injection_is_refused(plan: Any, server: Server) -> None:
    entry = http(f"{server.base}/x", headers={"X-Name": "{{ name }}"})
    outcome = ActionExecutor().execute(plan([entry]), {"name": "a\r\nX-Evil: 1"}).action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert "line break" in str(outcome.error)
    assert server.requests == []


def test_connection_refused_is_a_failure_naming_the_url(plan: Any) -> None:
    outcome = ActionExecutor().execute(plan([http("http://127.0.0.1:1/nothing")]), {}).action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert "127.0.0.1:1/nothing" in str(outcome.error)


def test_http_actions_can_be_switched_off(plan: Any, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = http(f"{server.base}/x")
    off = SimpleNamespace(features=SimpleNamespace(http_actions=False))
    for executor in (ActionExecutor(allow_http=False), ActionExecutor(settings=off)):
        outcome = executor.execute(plan([entry]), {}).action_results[0]
        assert outcome.status is ActionStatus.FAILED
        assert isinstance(outcome.error, HttpActionsDisabledError)
        assert "features.http_actions" in str(outcome.error)
    monkeypatch.setenv("PYSTATOR_FEATURES_HTTP_ACTIONS", "false")
    assert ActionExecutor().execute(plan([entry]), {}).failed_actions == ["http"]
    assert ActionExecutor(allow_http=True).execute(plan([entry]), {}).all_succeeded
    assert len(server.requests) == 1
