"""The demo company's story lines (docs/demo-company.md) each appear on the attention page
with their reason — the issue's "done when": the degrading channel, the rep who improves,
the bottleneck stage and the account sliding toward churn.

The demo at scale 1 (default seed, today 2026-11-25: as `cruscotto demo` and
benchmarks/goals.py): the story's segments need its volumes — at a third of them paid
search's slide and Marco Bianchi's rise stay within |z| < 3 of their noise, rightly not
flagged. One page, cold: about 20 s of CPU.
"""

from __future__ import annotations

import datetime as dt
import re

from cruscotto.demo import generate
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app
from tests.web.conftest import add_users, close_app, login

TODAY = dt.date(2026, 11, 25)


def test_each_story_line_is_on_the_attention_page_with_its_reason(tmp_path):
    warehouse = connect(str(tmp_path / "demo.duckdb"))
    generate(warehouse, scale=1, today=TODAY)
    app = create_app(warehouse, CompanySettings(), today=TODAY)
    add_users(app)
    try:
        admin = login(app, "admin")
        items = admin.get("/api/attention").json()["items"]
        # What the browser shows once the list is in (the answers are cached by now).
        page = admin.get("/attention/items").text
    finally:
        close_app(app)

    def item(kind: str, kpi: str, **match) -> dict:
        found = [
            i
            for i in items
            if i["type"] == kind
            and i["kpi"] == kpi
            and all(i.get(k) == v for k, v in match.items())
        ]
        assert len(found) == 1, [(i["type"], i["kpi"], i.get("key")) for i in items]
        return found[0]

    def shown(found: dict) -> str:
        """The item's text on the page (its <li>, found by its link)."""
        link = re.escape(found["link"].replace("&", "&amp;"))
        match = re.search(
            rf'<li class="attention-item[^>]*>\s*<a class="title" href="{link}"'
            r".*?</li>",
            page,
            re.S,
        )
        assert match, found["link"]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))

    # The degrading channel: paid search's leads convert less than a year earlier.
    paid = item("segment_move", "lead_conversion_rate", dimension="channel", key="paid_search")
    assert paid["worse"] and paid["value"] < paid["before"] and paid["comparison"] == "last_year"
    assert "Channel Paid search:" in shown(paid) and "a year earlier" in shown(paid)
    # The rep who improves: Marco Bianchi's win rate, good news.
    marco = item("segment_move", "win_rate", dimension="rep", key="R00000001")
    assert not marco["worse"] and marco["value"] > marco["before"]
    assert "Rep Marco Bianchi:" in shown(marco)
    # The bottleneck stage: deals stay in proposal longer than a year earlier.
    proposal = item("segment_move", "stage_duration", dimension="stage", key="proposal")
    assert proposal["worse"] and proposal["value"] > proposal["before"]
    assert "Stage Proposal:" in shown(proposal)
    # The account sliding toward churn, each signal named.
    ferri = item("account_at_risk", "account_health", kpi_name="Ferri Logistica S.p.A.")
    assert {"activity_falling", "detractor_nps", "open_complaints"} <= set(ferri["signals"])
    assert "meetings and calls falling" in shown(ferri)
    assert "detractor NPS answers" in shown(ferri)
