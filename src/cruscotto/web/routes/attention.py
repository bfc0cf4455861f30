"""What needs attention: the landing page, a ranked list of what to look at now.

GET /attention (page) · GET /api/attention (the same as JSON). Scoped to the user like
every page (a manager's teams, a rep's own numbers). Items, most urgent first:
* goals behind pace: the gap to where they should be, and the chance of making it;
* KPIs outside their usual range given their own history (cruscotto.alerts.usual: trend
  and season taken into account, binomial for rates), and those on a steady slide;
* KPIs that moved beyond their noise since the previous month or the same month last
  year, with why: the change split into mix and rate effects by the dimension whose
  segment explains most of it (goals/decomposition.py);
* segments of the watched breakdowns (conversion by channel, win rate by rep, the stage
  durations…) that moved against a year earlier;
* customers showing churn signals (cruscotto.alerts.records.churn_signals, each signal
  named), within the user's accounts (not for viewers: those are records).
Each item links to the KPI page with its period and filters. The card grid is at /overview.

The page itself is quick (its heading, a "being prepared" line); the list loads into it
from /attention/items once computed (cold, it reads two years of every KPI's history:
about 20 s of CPU on the demo). The server computes it at start-up, for the company and
each manager's teams (web/warmup.py), so the first visitors find it ready.

Ranking score: a goal behind pace 6 + 4 × (1 − probability); a value outside its usual
range 8; a steady slide 5; a move min(|z|, 10); an account at risk 6 + its number of
signals (at most 10); good news weighs × 0.6 (an improvement is worth knowing, a slide
worth acting on).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from cruscotto.alerts.records import churn_signals
from cruscotto.alerts.rules import Rule
from cruscotto.alerts.usual import usual_ranges
from cruscotto.engine import Engine
from cruscotto.goals.attention import Move, explain, kpi_moves, segment_moves
from cruscotto.web.access import Access, access
from cruscotto.web.goals import dimension_label, goal_dict, goal_store, visible_goals
from cruscotto.web.i18n import Formatter
from cruscotto.web.kpis import engine, period_dict
from cruscotto.web.pages import fragment, nav_item, page, templates
from cruscotto.web.pickers import reps_in_teams

router = APIRouter()
nav_item("attention", "/attention", "nav.attention", order=5)


def signed(fmt: Formatter, value: float | None, unit: str) -> str:
    """An effect with its sign: points for rates (−5.0 pts), the KPI's unit otherwise."""
    if value is None:
        return "–"
    sign = "+" if value >= 0 else "−"
    if unit == "percent":
        return sign + fmt.t("unit.points", value=fmt.number(abs(value) * 100, 1))
    return sign + fmt.kpi_value(abs(value), unit)


templates.env.globals["signed"] = signed

# How many KPI moves get an explanation (each costs two breakdowns per dimension tried).
EXPLAINED = 4
SHOWN_MOVES = 6
GOOD_NEWS_WEIGHT = 0.6


@router.get("/", include_in_schema=False)
def home(who: Access = Depends(access)):
    return RedirectResponse("/attention", status_code=303)


def attention_shell(who: Access = Depends(access), kpis: Engine = Depends(engine)) -> dict:
    """What the page shows at once: its heading and period; the list loads afterwards."""
    return {"period": period_dict(kpis.default_period()), "filters": who.filters()}


@page(
    router,
    "/attention",
    "attention.html",
    name="attention",
    shell=attention_shell,
    tags=["dashboard"],
)
def attention(
    request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """Goals behind pace and KPIs (or segments) that moved, ranked, each with a reason."""
    period = kpis.default_period()
    filters = who.filters()
    items = _goal_items(request, who, kpis)
    shown = who.visible(kpis.catalog.all())
    visible = [k.id for k in shown if k.dashboard_area and not who.inapplicable(k)]
    # First: it asks for the monthly history that the moves below read again (cached).
    items += _usual_items(kpis, who, visible, period, filters)
    moves = kpi_moves(kpis, visible, period, filters)[:SHOWN_MOVES]
    for index, move in enumerate(moves):
        if index < EXPLAINED:
            move.explanation = explain(kpis, move, filters)
        items.append(_move_item(kpis, who, move))
    for move in segment_moves(kpis, period, filters):
        if who.can_see(kpis.catalog.get(move.kpi)):
            items.append(_move_item(kpis, who, move))
    items += _accounts_at_risk(kpis, who)
    items.sort(key=lambda item: -item["score"])
    return {"period": period_dict(period), "filters": filters, "items": one_line_per_kpi(items)}


# What is said of a whole KPI: outside its usual range, drifting, moved beyond its noise.
KPI_SENTENCES = ("unusual", "drift", "kpi_move")


def one_line_per_kpi(items: list[dict]) -> list[dict]:
    """A KPI both outside its usual range and moved is one item, not two: the higher-ranked
    sentence leads (items come ranked) and carries the others in `also`."""
    leads: dict[str, dict] = {}
    kept = []
    for item in items:
        if item["type"] not in KPI_SENTENCES:
            kept.append(item)
        elif (lead := leads.get(item["kpi"])) is not None:
            lead["also"].append(item)
        else:
            leads[item["kpi"]] = item | {"also": []}
            kept.append(leads[item["kpi"]])
    return kept


fragment(
    router,
    "/attention/items",
    "_attention_items.html",
    attention,
    name="attention_items",
    page_path="/attention",
)


def _goal_items(request: Request, who: Access, kpis: Engine) -> list[dict]:
    items = []
    for goal in visible_goals(who, kpis, goal_store(request)):
        if not kpis.period(goal.period).contains(kpis.today):
            continue
        data = goal_dict(kpis, goal, who)
        if data["status"] != "behind_pace":
            continue
        chance = data["probability"] or 0.0
        items.append(
            {
                "type": "goal_behind",
                "kpi": goal.kpi,
                "kpi_name": data["kpi_name"],
                "score": 6 + 4 * (1 - chance),
                "worse": True,
                "link": data["link"],
                "goal": data,
            }
        )
    return items


SHOWN_ACCOUNTS = 5


def _accounts_at_risk(kpis: Engine, who: Access) -> list[dict]:
    """Customers with churn signals among the user's accounts, most signals first."""
    if not who.can_see_records:
        return []
    hits = churn_signals(kpis, Rule(name="attention", kind="churn_signals"))
    forced = who.forced
    if "rep" in forced:
        hits = [h for h in hits if h.rep_id in forced["rep"]]
    elif "team" in forced:
        members = reps_in_teams(kpis, forced["team"])
        hits = [h for h in hits if h.rep_id in members]
    hits.sort(key=lambda h: (-len(h.numbers["signals"]), h.label))
    return [
        {
            "type": "account_at_risk",
            "kpi": "account_health",
            "kpi_name": h.label,
            "score": min(6.0 + len(h.numbers["signals"]), 10.0),
            "worse": True,
            "account": h.subject,
            "signals": h.numbers["signals"],
            "details": h.numbers["details"],
            "link": h.link,
        }
        for h in hits[:SHOWN_ACCOUNTS]
    ]


UNUSUAL_SCORE = 8.0
DRIFT_SCORE = 5.0
SHOWN_DRIFTS = 3


def _usual_items(kpis: Engine, who: Access, kpi_ids: list[str], period, filters) -> list[dict]:
    """KPIs outside the range their own history predicts, and those sliding the bad way."""
    items = []
    ranges = usual_ranges(kpis, kpi_ids, period, filters).values()
    # Many KPIs drift a little; the steepest few (relative to their level) are worth a look.
    drifting = sorted(
        (u for u in ranges if u.drift and not u.unusual and u.trend_per_period and u.expected),
        key=lambda u: -abs(u.trend_per_period / u.expected),
    )[:SHOWN_DRIFTS]
    for usual in ranges:
        if not usual.unusual and usual not in drifting:
            continue
        kpi_id = usual.kpi_id
        kpi = kpis.catalog.get(kpi_id)
        worse = usual.adverse if usual.unusual else True
        score = UNUSUAL_SCORE if usual.unusual else DRIFT_SCORE
        items.append(
            {
                "type": "unusual" if usual.unusual else "drift",
                "kpi": kpi_id,
                "kpi_name": who.t.pick(kpi.name),
                "unit": kpi.unit,
                "score": score * (1.0 if worse else GOOD_NEWS_WEIGHT),
                "worse": worse,
                "usual": usual.to_dict(),
                "link": f"/kpi/{kpi_id}?{urlencode({'period': period.label})}",
            }
        )
    return items


def _move_item(kpis: Engine, who: Access, move: Move) -> dict:
    kpi = kpis.catalog.get(move.kpi)
    worse = (move.z < 0) == (kpi.direction == "higher")
    query = {"period": move.period.label}
    if move.dimension:
        query[move.dimension] = move.key
    explanation = None
    if move.explanation is not None and move.explanation.top is not None:
        top, dimension = move.explanation.top, move.explanation.dimension
        query["by"] = dimension
        effects = move.explanation.to_dict()["effects"][:5]
        for effect in effects:
            effect["label"] = _segment(kpis, who, dimension, effect["key"])
        explanation = {
            **move.explanation.to_dict(),
            "top": {
                "key": top.key,
                "label": _segment(kpis, who, dimension, top.key),
                "mix": top.mix,
                "rate": top.rate,
                "total": top.total,
            },
            "effects": effects,
        }
    return {
        "type": "segment_move" if move.dimension else "kpi_move",
        "kpi": move.kpi,
        "kpi_name": who.t.pick(kpi.name),
        "unit": kpi.unit,
        "score": min(abs(move.z), 10.0) * (1.0 if worse else GOOD_NEWS_WEIGHT),
        "worse": worse,
        "z": move.z,
        "comparison": move.comparison,
        "period": move.period.label,
        "reference": move.reference.label,
        "value": move.now.value,
        "before": move.before.value,
        "sample_size": move.now.sample_size,
        "dimension": move.dimension,
        "key": move.key,
        "segment_label": _segment(kpis, who, move.dimension, move.key) if move.dimension else None,
        "explanation": explanation,
        "link": f"/kpi/{move.kpi}?{urlencode(query)}",
    }


def _segment(kpis: Engine, who: Access, dimension: str, key: str | None) -> str | None:
    """A segment's name (None for records without a value: the page says "none")."""
    return None if key is None else dimension_label(kpis, who, dimension, key)
