"""How the server says no: the site's error page for page addresses, JSON for the kiosks' API.

FastAPI's own handlers answer every unmatched address with JSON, and its 422 echoes the
input back, which crashes (a 500) when the input was NaN or a lone surrogate. These never
echo the input, and speak to whoever asked: a person reads a page, a kiosk logs a detail.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException

from district.schemas import describe_errors
from district.web.pages import render
from kiosk import wire

PAGES = {
    400: ("Not understood", ""),
    404: ("No such page", "There is no page at this address. Check the link, or start again from the start page."),
    405: ("Not here", "This page cannot be used that way. Go back, and use the page's own buttons and links."),
    413: ("Too much sent", ""),
}


def is_api(path: str) -> bool:
    return path == wire.API or path.startswith(wire.API + "/")


async def http_error(request: Request, exc: Exception) -> Response:
    """A page with the status's title and a sentence a person can act on; JSON under /api/v1."""
    assert isinstance(exc, HTTPException)
    if is_api(request.scope["path"]) or not is_body_allowed_for_status_code(exc.status_code):
        return await http_exception_handler(request, exc)
    title, default = PAGES.get(exc.status_code, (HTTPStatus(exc.status_code).phrase, ""))
    generic = exc.detail == HTTPStatus(exc.status_code).phrase  # Starlette's "Not Found", "Method Not Allowed"
    message = default if generic and default else str(exc.detail)
    response = render(request, "error.html", exc.status_code, title=title, message=message)
    response.headers.update(exc.headers or {})  # a 405's Allow
    return response


async def invalid_request(request: Request, exc: Exception) -> Response:
    """A 422 saying which field is wrong and why, without the input (it may not be serialisable)."""
    assert isinstance(exc, RequestValidationError)
    detail = describe_errors(exc.errors(), ("body", "query", "path", "header", "cookie"), "body")
    if is_api(request.scope["path"]):
        return JSONResponse({"detail": detail}, status_code=422)
    return render(request, "error.html", 400, title=PAGES[400][0], message=f"The request was not understood: {detail}")


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
