"""Limits that keep one request from stalling the others (the `security:` settings).

- the request body: `max_upload_mb`, refused with 413 before it is read
  (`BodyLimitMiddleware`: from Content-Length, or while a chunked body streams in);
- an uploaded file: an XLSX whose content unzips to more than `max_xlsx_uncompressed_mb`
  (one 300 MB cell took 1.5 GB of memory), or a file of more than `max_import_rows` rows,
  refused with 413 before it is parsed (`check_upload`);
- a period: within the years 1900–2199, and no more than `max_trend_points` sub-periods
  at the asked grain (a daily trend since 1975 is 18,600 points), refused with 400
  (`check_period`).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from fastapi import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruscotto.engine import Period
from cruscotto.settings import SecuritySettings

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 1, 1)
# The fewest days a sub-period of each grain has: the estimate of points is never low.
_GRAIN_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 89, "year": 365}
MB = 1024 * 1024


def check_period(period: Period, grain: str, who) -> None:
    """400 unless `period` lies within 1900–2199 and splits into few enough `grain`s."""
    if period.start < EARLIEST or period.end > LATEST:
        raise HTTPException(400, who.t("error.period_out_of_range", period=period.label))
    points = (period.end - period.start).days // _GRAIN_DAYS.get(grain, 1)
    most = who.security.max_trend_points
    if points > most:
        raise HTTPException(
            400, who.t("error.too_many_points", period=period.label, points=points, most=most)
        )


# -- uploads ------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def upload_name(filename: str | None) -> str:
    """A file name safe to write in our own folder: no path, no control characters, not
    `.` or `..` (the user's name for the file still shows in reports when it is sane)."""
    name = _UNSAFE_NAME.sub("_", Path(filename or "").name).strip()
    return name if name.strip(".") else "upload"


def check_upload(path: Path, label: str, security: SecuritySettings, t) -> None:
    """413 when the saved upload would take too much to read (see the module docstring)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(member.file_size for member in archive.infolist())
        except zipfile.BadZipFile:
            return  # not an XLSX after all: the reader says so
        if unzipped > security.max_xlsx_uncompressed_mb * MB:
            raise HTTPException(
                413,
                t(
                    "error.xlsx_too_large",
                    file=label,
                    size=round(unzipped / MB),
                    most=f"{security.max_xlsx_uncompressed_mb:g}",
                ),
            )
        return
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        lines = _count_lines(path)
        if lines - 1 > security.max_import_rows:
            raise HTTPException(
                413,
                t("error.too_many_rows", file=label, rows=lines - 1, most=security.max_import_rows),
            )


def _count_lines(path: Path) -> int:
    """Newlines in the file (quoted newlines count too: an estimate that is never low)."""
    count, last = 0, b"\n"
    with path.open("rb") as data:
        while chunk := data.read(4 * MB):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")  # a last line without its newline counts too


# -- the request body ---------------------------------------------------------------------


class _TooLarge(BaseException):
    """Not an Exception: FastAPI would turn one raised while parsing a form into a 400."""


class BodyLimitMiddleware:
    """413 for a request body over `security.max_upload_mb`, before reading it all."""

    def __init__(self, app: ASGIApp, security: SecuritySettings) -> None:
        self.app = app
        self.limit = int(security.max_upload_mb * MB)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        from cruscotto.web.i18n import Translator, negotiate

        language = negotiate(dict(scope["headers"]).get(b"accept-language", b"").decode())
        most = round(self.limit / MB)
        message = Translator(language)("error.upload_too_large", most=most)
        headers = {"Connection": "close"}
        if scope["path"].startswith("/api/"):
            response = JSONResponse({"detail": message}, status_code=413, headers=headers)
        else:
            response = PlainTextResponse(message, status_code=413, headers=headers)
        await response(scope, receive, send)
