"""On the demo company, the default rules report the story lines (docs/demo-company.md)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from cruscotto.alerts.evaluate import Person, evaluate
from cruscotto.alerts.rules import DEFAULT_RULES, RuleStore
from cruscotto.demo import generate
from tests.engine.fixtures import engine_for

TODAY = dt.date(2026, 12, 1)


def test_the_default_rules_tell_the_demo_story(duckdb_warehouse):
    generate(duckdb_warehouse, scale=0.3, seed=42, today=TODAY)
    engine = engine_for(duckdb_warehouse, today=TODAY)
    rules = RuleStore(duckdb_warehouse, engine.catalog)
    rules.add_defaults(DEFAULT_RULES)
    report = evaluate(engine, rules.list(), [Person("ada", "admin")])
    assert report.errors == []
    by_kind: dict[str, list] = {}
    for finding in report.holding:
        by_kind.setdefault(finding.rule.kind, []).append(finding)
    # The account sliding toward churn, with its named signals.
    churn = {f.subject_label: f.numbers["signals"] for f in by_kind["churn_signals"]}
    assert set(churn["Ferri Logistica S.p.A."]) >= {
        "activity_falling",
        "detractor_nps",
        "open_complaints",
    }
    # Stalled deals pile up at the bottleneck stage.
    stages = Counter(f.numbers["stage"] for f in by_kind["deal_stalled"])
    assert stages.most_common(1)[0][0] == "proposal"
    # The degrading channel: paid search's conversion slides steadily.
    sliding = [f for f in by_kind["unusual"] if f.rule.kpi == "lead_conversion_rate"]
    paid = [f for f in sliding if f.subject == "paid_search"]
    assert paid and paid[0].numbers["drift"]
    # Nothing on a maturing cohort: every lead-conversion alert judges a matured month.
    lag = engine.catalog.get("lead_conversion_rate").computation.maturity_days
    for finding in sliding:
        end = engine.period(finding.period).end
        assert end + dt.timedelta(days=lag) <= TODAY
