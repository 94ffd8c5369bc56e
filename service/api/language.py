"""The language of each answer: ``Accept-Language`` (Danish or English), else the
deployment's ``EYES_LANGUAGE``. Pure ASGI middleware, outside all others, so refusals at
the edge speak it too; the answer says which it spoke (``Content-Language``) and that it
depends on the header (``Vary``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import negotiate, use_language

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ..i18n import Language as Spoken


class Language:
    """Speak the caller's language for the whole request (``service.i18n.use_language``)."""

    def __init__(self, app: ASGIApp, *, default: Spoken) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None
        )
        with use_language(negotiate(header) or self.default) as spoken:

            async def send_with_language(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() != b"content-language"
                    ]
                    headers.append((b"content-language", spoken.encode()))
                    headers.append((b"vary", b"Accept-Language"))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_language)
