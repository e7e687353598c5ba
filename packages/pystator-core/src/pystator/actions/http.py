"""``http`` actions: one HTTP request built from ``{{ name }}`` templates over the context.

Standard library only (``urllib``); the async executor runs the request in a worker thread. Only
``http://`` and ``https://`` URLs are accepted. Values substituted into the URL are
percent-encoded, except a template that opens the URL (``"{{ base_url }}/orders"``), which is
inserted as it is. A dict or list ``body`` is sent as JSON (a string that is exactly one template
keeps the value's type); a string body is sent as text. A response outside 2xx is a failure
carrying the status; ``on_error: continue`` records such a failure as a success with the error noted.
Config authors are trusted: the request goes wherever the configuration says (no SSRF filtering).
The ``features.http_actions`` switch (on by default) turns them off: they then fail with
``HttpActionsDisabledError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from pystator.actions.features import feature_enabled, feature_env_var
from pystator.actions.templates import render_template, render_value
from pystator.errors import ActionExecutionError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "HttpActionError",
    "HttpActionsDisabledError",
    "HttpRequest",
    "HttpResponse",
    "http_actions_enabled",
    "ignores_errors",
    "prepare_request",
    "send_request",
]

DEFAULT_MAX_RESPONSE_BYTES = 1_048_576
_LEADING_TEMPLATE = re.compile(r"^\s*\{\{.*?\}\}")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What the server answered; ``body`` is capped at the executor's ``max_response_bytes``."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class HttpActionsDisabledError(ActionExecutionError):
    """An ``http`` action was planned but ``features.http_actions`` is off."""

    def __init__(self) -> None:
        super().__init__(
            "http actions are disabled by settings features.http_actions = false "
            f"(or {feature_env_var('http_actions')}=false)",
            action_name="http",
        )


def http_actions_enabled(allow_http: bool | None = None, settings: Any = None) -> bool:
    return feature_enabled("http_actions", flag=allow_http, settings=settings, default=True)


class HttpActionError(ActionExecutionError):
    """The request failed: transport error, or a status outside 2xx (``response`` then holds it)."""

    def __init__(self, message: str, *, response: HttpResponse | None = None, url: str = "") -> None:
        super().__init__(message, action_name="http", context={"url": url})
        self.response = response
        self.status = response.status if response is not None else None
        self.context["status"] = self.status


def _render_url(template: str, context: Mapping[str, Any]) -> str:
    lead = _LEADING_TEMPLATE.match(template)
    head = render_template(lead.group(0).strip(), context) if lead else ""
    rest = template[lead.end() :] if lead else template
    url = head + render_template(rest, context, escape=lambda value: quote(value, safe=""))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HttpActionError(f"http: url must start with http:// or https:// and name a host, got {url!r}")
    return url


def _encode_body(body: Any, context: Mapping[str, Any], headers: dict[str, str]) -> bytes | None:
    if body is None:
        return None
    rendered = render_value(body, context)
    has_type = any(name.lower() == "content-type" for name in headers)
    if isinstance(rendered, str):
        if not has_type:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return rendered.encode("utf-8")
    if not has_type:
        headers["Content-Type"] = "application/json"
    return json.dumps(rendered, default=str).encode("utf-8")


def prepare_request(spec: Any, context: Mapping[str, Any]) -> HttpRequest:
    """Render an ``HttpSpec`` against the context (raises on a missing name or a bad URL)."""
    headers: dict[str, str] = {}
    for name, value in spec.headers.items():
        rendered = render_template(value, context)
        if "\r" in rendered or "\n" in rendered:
            raise HttpActionError(f"http: header {name!r} would contain a line break")
        headers[name] = rendered
    url = _render_url(spec.url, context)
    body = _encode_body(spec.body, context, headers)
    return HttpRequest(method=spec.method, url=url, headers=headers, body=body)


def send_request(
    request: HttpRequest, *, timeout: float, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
) -> HttpResponse:
    """Send with ``urllib``; a status outside 2xx or a transport error raises ``HttpActionError``.

    A time-out raises ``TimeoutError`` (the executor records it as ``timed_out``).
    """
    import urllib.error
    import urllib.request

    prepared = urllib.request.Request(
        request.url, data=request.body, headers=request.headers, method=request.method
    )
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as reply:
            response = HttpResponse(
                status=reply.status,
                headers=dict(reply.headers.items()),
                body=reply.read(max_response_bytes),
                url=request.url,
            )
    except urllib.error.HTTPError as exc:
        response = HttpResponse(
            status=exc.code,
            headers=dict(exc.headers.items()),
            body=exc.read(max_response_bytes),
            url=request.url,
        )
        exc.close()
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise TimeoutError(f"http {request.method} {request.url}: timed out") from exc
        raise HttpActionError(f"http {request.method} {request.url}: {exc.reason}", url=request.url) from exc
    if not response.ok:
        raise HttpActionError(
            f"http {request.method} {request.url}: server answered {response.status}",
            response=response,
            url=request.url,
        )
    return response


def ignores_errors(definition: Any) -> bool:
    """True when the entry says ``on_error: continue``."""
    spec = getattr(definition, "http", None)
    return getattr(spec, "on_error", "fail") == "continue"
