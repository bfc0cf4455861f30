"""The command line while `cruscotto serve` runs: DuckDB lets one process write a file,
and the server is that process. So the server leaves a control file next to the database
(`<database>.server.json`, readable by its owner only: the server's loopback URL and a
random secret), and commands that meet the lock send their request to the server instead
(cruscotto.web.routes.control answers it with the same code the CLI would run). A command
that cannot go through the server says so in one sentence.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import typer

from cruscotto.warehouse import resolve_url

CONTROL_SUFFIX = ".server.json"
CONTROL_HEADER = "X-Cruscotto-Control"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def control_path(db_url: str | None) -> Path | None:
    """Where the server of this database leaves its control file (DuckDB files only)."""
    resolved = resolve_url(db_url)
    if not resolved.startswith("duckdb://"):
        return None
    path = resolved.removeprefix("duckdb://")
    return None if path in ("", ":memory:") else Path(path + CONTROL_SUFFIX)


def is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "lock" in text.lower() and (
        "conflicting" in text.lower() or "could not set" in text.lower()
    )


def write_control(db_url: str | None, host: str, port: int) -> tuple[Path, str] | None:
    """Leave the control file for this server; (its path, the secret), or None."""
    path = control_path(db_url)
    if path is None:
        return None
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if reachable not in LOOPBACK:
        reachable = "127.0.0.1"
    secret = secrets.token_urlsafe(32)
    content = json.dumps(
        {"url": f"http://{reachable}:{port}", "secret": secret, "pid": os.getpid()}
    )
    path.unlink(missing_ok=True)
    # Created with mode 0600 from the start: no moment where another user could read it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(content)
    return path, secret


def read_control(db_url: str | None) -> dict | None:
    path = control_path(db_url)
    if path is None or not path.exists():
        return None
    try:
        control = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    host = urlsplit(control.get("url", "")).hostname
    return control if host in LOOPBACK and control.get("secret") else None


def ask_server(ctx: typer.Context, operation: str, arguments: dict[str, Any]) -> Any:
    """Run `operation` in the server that holds the database; its answer, or fail."""
    from cruscotto.cli.context import cli_user, fail, state

    db_url = state(ctx).db_url
    control = read_control(db_url)
    if control is None:
        fail(f"the database {resolve_url(db_url)} is in use by another program; stop it first")
    request = urllib.request.Request(
        f"{control['url']}/control/{operation}",
        data=json.dumps({"actor": cli_user(), "arguments": arguments}).encode(),
        headers={CONTROL_HEADER: control["secret"], "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - loopback
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail")
        except ValueError:
            detail = exc.reason
        fail(str(detail))
    except OSError:
        fail(
            f"the database {resolve_url(db_url)} is held by a server at {control['url']} "
            "that does not answer; stop it and try again"
        )
