"""Pinning and ordering one's own KPIs on the overview (web/pins.py).

GET /api/pins · PUT /api/pins (JSON `{"kpis": [...]}`: the whole list, first first) ·
POST /pins (the overview's form: `kpi` and `move` = pin, unpin, up or down; back to the
overview). Every user may change their own pins, with the KPIs on their dashboards.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from cruscotto.engine import Engine
from cruscotto.web.access import Access, access
from cruscotto.web.auth import client_address
from cruscotto.web.kpis import engine
from cruscotto.web.pins import MAX_PINS, PinError, moved, set_pins
from cruscotto.web.routes.overview import pinned_cards, shown_cards

router = APIRouter()


class PinsIn(BaseModel):
    kpis: list[Annotated[str, Field(max_length=100)]] = Field(
        description="the KPI ids to pin, first first (empty: none pinned)",
        max_length=MAX_PINS * 4,
    )


def _pins_dict(who: Access, kpis: Engine) -> dict:
    pins = pinned_cards(who, kpis)
    return {"pins": [{"id": k.id, "name": who.t.pick(k.name)} for k in pins], "max": MAX_PINS}


def _store(request: Request, who: Access, kpis: Engine, wanted: list[str]) -> None:
    allowed = [k.id for k in shown_cards(who, kpis, None, None)]
    try:
        set_pins(
            kpis.warehouse, who.user.username, wanted, allowed, address=client_address(request)
        )
    except PinError as error:
        raise HTTPException(400, who.t(error.key, **error.params)) from None


@router.get("/api/pins", tags=["dashboard"])
def get_pins(who: Access = Depends(access), kpis: Engine = Depends(engine)) -> dict:
    """The user's pinned KPIs, in the order the overview shows them first."""
    return _pins_dict(who, kpis)


@router.put("/api/pins", tags=["dashboard"])
def put_pins(
    request: Request,
    body: PinsIn,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """Pin exactly these KPIs, in this order (an empty list unpins everything)."""
    _store(request, who, kpis, body.kpis)
    return _pins_dict(who, kpis)


@router.post("/pins", include_in_schema=False)
def move_pin(
    request: Request,
    kpi: Annotated[str, Form(max_length=100)],
    move: Annotated[str, Form(max_length=10)],
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
):
    # Pins no longer on the user's dashboards (a role changed) drop out with any change.
    current = [k.id for k in pinned_cards(who, kpis)]
    try:
        wanted = moved(current, move, kpi)
    except PinError as error:
        raise HTTPException(400, who.t(error.key, **error.params)) from None
    _store(request, who, kpis, wanted)
    return RedirectResponse("/overview#pins", status_code=303)
