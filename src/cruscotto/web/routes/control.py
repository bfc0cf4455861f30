"""The command line's door into a running server (see cruscotto.cli.through_server).

POST /control/{operation} with the secret of the control file `cruscotto serve` leaves
next to the database: the CLI's user commands and reading commands, run here with the
code the CLI runs itself when it can open the database. Off (404) unless the app was
started by `cruscotto serve`; never in the OpenAPI document; no cookies involved, so no
CSRF token either (the secret is the proof).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cruscotto.answers import USER_ERRORS, database_summary, kpi_answer, message
from cruscotto.api import engine_for
from cruscotto.web.user_admin import UserAdmin
from cruscotto.web.users import UserError

router = APIRouter(include_in_schema=False)


class Command(BaseModel):
    actor: str  # "cli:<os user>", for the audit trail
    arguments: dict[str, Any] = {}


@router.post("/control/{operation}")
def control(
    operation: str,
    command: Command,
    request: Request,
    secret: str = Header("", alias="X-Cruscotto-Control"),
) -> Any:
    expected = getattr(request.app.state, "control_secret", None)
    if not expected or not secrets.compare_digest(secret, expected):
        raise HTTPException(404, "Not Found")
    state = request.app.state
    try:
        if operation == "user":
            admin = UserAdmin(state.users, f"{command.actor}", "cli")
            return admin.run(command.arguments["command"], **command.arguments["arguments"])
        if operation == "db.info":
            return database_summary(state.warehouse)
        if operation == "kpi.show":
            return kpi_answer(engine_for(state.warehouse, today=state.today), **command.arguments)
    except (UserError, *USER_ERRORS) as exc:
        # JSON even though the path is not under /api: the CLI prints the message.
        return JSONResponse({"detail": message(exc)}, status_code=400)
    return JSONResponse({"detail": f"unknown operation {operation!r}"}, status_code=404)
