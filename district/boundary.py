"""What the server refuses before a handler reads a request, so no form or handler has to remember it.

- A body over MAX_BODY_BYTES (MAX_UPLOAD_BYTES for staff uploads), declared or sent chunked: 413.
- Input that is not text: a NUL (PostgreSQL cannot store one, SQLite would keep it silently) or a
  lone surrogate. In a path it names no page (404); in a query parameter or a form field it is a
  400 naming the field. JSON bodies are checked by their schemas instead (district.schemas), so
  one bad event of a push is refused alone and the others are kept.
- A form text field over Starlette's 1 MB: 413, saying so (no field here takes a tenth of that).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from district.roster import MAX_UPLOAD_BYTES

MAX_BODY_BYTES = 4 * 1024 * 1024  # a full batch of 500 visits is about 200 kB
UPLOAD_PATHS = ("/district/campuses/",)  # staff uploads: a district-wide OneRoster export is large
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
Answer = Callable[[Request, HTTPException], Awaitable[Response]]


class TooLarge(HTTPException):
    """Raised from the body's receive, so FastAPI's handlers answer it (a page, or JSON for the API)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"What was sent is too large: this address takes at most {limit // 1_000_000} MB.")


class BodyLimit:
    """Refuse request bodies over a limit with 413, before they fill memory (uvicorn sets none).

    A declared Content-Length over the limit is answered at once, by `answer` (the app's own
    error handler); a chunked body raises TooLarge from receive when it passes the limit."""

    def __init__(self, app: ASGIApp, answer: Answer) -> None:
        self.app, self.answer = app, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = MAX_UPLOAD_BYTES + 65536 if scope["path"].startswith(UPLOAD_PATHS) else MAX_BODY_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self._refuse(scope, receive, send, TooLarge(limit))
        seen, started = 0, False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, sending)
        except TooLarge as exc:  # raised where no handler of the app caught it
            if started:
                raise
            await self._refuse(scope, receive, send, exc)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: TooLarge) -> None:
        response = await self.answer(Request(scope, receive), exc)
        response.headers["Connection"] = "close"  # the rest of the body is never read
        await response(scope, receive, send)


def shown(name: str) -> str:
    """A field's name as a message can show it, whatever it holds."""
    return NOT_TEXT.sub(lambda m: f"\\u{ord(m.group()):04x}", name[:60])


async def text_only(request: Request) -> None:
    """Every route's first dependency: its path, query and form fields are text (see the module)."""
    if NOT_TEXT.search(request.scope["path"]):
        raise HTTPException(404, "There is no page at this address: it has a NUL character (%00) in it.")
    for name, value in request.query_params.multi_items():
        if NOT_TEXT.search(name) or NOT_TEXT.search(value):
            raise HTTPException(400, f"The address's “{shown(name)}” has a NUL character (%00), which is not text.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        for name, value in (await read_form(request)).multi_items():
            text = (value.filename or "") if isinstance(value, UploadFile) else value
            if NOT_TEXT.search(name) or NOT_TEXT.search(text):
                message = f"The form's field “{shown(name)}” has a NUL character, which is not text."
                raise HTTPException(400, f"{message} Remove it and send the form again.")


async def read_form(request: Request) -> FormData:
    """The form, read once (handlers get it from the request's cache); Starlette's refusals made precise."""
    try:
        return await request.form()
    except TooLarge:
        raise
    except HTTPException as exc:
        if "exceeded maximum size" in str(exc.detail):  # Starlette's words for a field over max_part_size
            raise HTTPException(413, "A field of the form is over 1 MB, far more than any field here takes. "
                                "Shorten it and send the form again.") from None  # fmt: skip
        raise HTTPException(400, f"The form could not be read: {exc.detail}") from None
