"""A maximum request body size (FastAPI has none).

A declared ``Content-Length`` above the limit is refused before the body is read (the server
enforces that the body matches its declared length). A body without a declared length (chunked) is
read here up to the limit, then handed to the app; one byte more and it is refused.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pystator_contracts.codes import ErrorCode
from pystator_contracts.wire import ErrorBody

__all__ = ["BodySizeLimit"]


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    """ASGI middleware: 413 with the common error body when a request body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        buffered: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay([buffered], receive), send)

    async def _refuse(self, send: Send) -> None:
        body = ErrorBody(
            status=413,
            code=ErrorCode.VALIDATION_FAILED,
            message=f"request body larger than {self.max_bytes} bytes",
        )
        payload = json.dumps(body.model_dump(mode="json")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replaying() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying
