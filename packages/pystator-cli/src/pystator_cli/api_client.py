"""A small JSON client for the PyStator REST API (stdlib ``urllib``: the CLI stays light).

Credentials: ``X-API-Key`` (``--api-key`` / ``PYSTATOR_API_KEY``) or a bearer token
(``--token`` / ``PYSTATOR_API_TOKEN``). Failures raise ``ApiError`` with one readable line.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.error

__all__ = ["ApiClient", "ApiError", "ApiUnreachableError"]


class ApiError(Exception):
    """The API answered with an error: ``status``, the body's ``message`` and ``errors``."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors or [])


class ApiUnreachableError(ApiError):
    """No answer at all (connection refused, DNS, timeout)."""


@dataclass(frozen=True)
class ApiClient:
    base_url: str
    api_key: str | None = None
    token: str | None = None
    timeout: float = 30.0

    def get(self, path: str, **query: Any) -> Any:
        params = {k: v for k, v in query.items() if v is not None}
        suffix = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self.request("GET", path + suffix)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        import urllib.error
        import urllib.request

        url = self.base_url.rstrip("/") + path
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise _error_of(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiUnreachableError(0, f"cannot reach the API at {self.base_url}: {reason}") from None
        return json.loads(raw) if raw else None


def _error_of(exc: urllib.error.HTTPError) -> ApiError:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or body.get("detail") or exc.reason or "error"
    errors = body.get("errors")
    listed = [str(e) for e in errors] if isinstance(errors, list) else []
    return ApiError(exc.code, f"HTTP {exc.code}: {message}", listed)
