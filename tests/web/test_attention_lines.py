"""A KPI is one line on the attention page: when it is both outside its usual range and
moved beyond its noise, the page says both in one item (a manager saw "Customer
engagement" twice)."""

from __future__ import annotations

import re

from cruscotto.web.i18n import Formatter, Translator
from cruscotto.web.pages import templates
from cruscotto.web.routes.attention import one_line_per_kpi

UNUSUAL = {
    "type": "unusual",
    "kpi": "customer_engagement",
    "kpi_name": "Customer engagement",
    "unit": "percent",
    "score": 8.0,
    "worse": True,
    "usual": {"value": 0.30, "low": 0.40, "high": 0.50, "period": "2026-11", "history": 24},
    "link": "/kpi/customer_engagement?period=2026-11",
}
MOVE = {
    "type": "kpi_move",
    "kpi": "customer_engagement",
    "kpi_name": "Customer engagement",
    "unit": "percent",
    "score": 4.2,
    "worse": True,
    "z": -4.2,
    "comparison": "previous",
    "period": "2026-11",
    "reference": "2026-10",
    "value": 0.30,
    "before": 0.45,
    "explanation": None,
    "link": "/kpi/customer_engagement?period=2026-11",
}
SEGMENT = MOVE | {
    "type": "segment_move",
    "dimension": "channel",
    "key": "referral",
    "segment_label": "Referral",
    "score": 3.5,
}
OTHER = MOVE | {"kpi": "win_rate", "kpi_name": "Win rate", "score": 3.1}


def test_a_kpi_outside_its_range_and_moved_is_one_item_saying_both():
    items = one_line_per_kpi([UNUSUAL, MOVE, SEGMENT, OTHER])
    # The move joins the higher-ranked unusual item; a segment's move and another KPI's
    # stay their own lines, in rank order.
    assert [(i["type"], i["kpi"]) for i in items] == [
        ("unusual", "customer_engagement"),
        ("segment_move", "customer_engagement"),
        ("kpi_move", "win_rate"),
    ]
    assert items[0]["also"] == [MOVE]
    assert "also" not in UNUSUAL  # the caller's items are not changed

    html = templates.env.get_template("_attention_items.html").render(
        data={"items": items}, t=Translator("en"), fmt=Formatter("en")
    )
    first = re.search(r'<li class="attention-item.*?</li>', html, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", first))
    assert text.count("Customer engagement") == 1
    # Both sentences, numbers written as the formatter writes them (30% vs 40–50%; 45% → 30%).
    assert "30.0% in November 2026; its own history (24 periods" in text
    assert "45.0% in October 2026 → 30.0% in November 2026." in text
    assert html.count('class="attention-item') == 3
