"""One (table, dimension) → column rule (engine/rules/dimensions.py) for every kind of KPI.

Declared KPIs, reports and records cut a table through `records_of`/`filtered_view`;
KPI functions through `KpiScope.table`. Before issue 9 the two disagreed on 31 pairs —
`channel` of a deal was its lead's channel for declared KPIs and its account's for KPI
functions. Now both read `dimensions.reference`, and these tests hold them together.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.catalog import DIMENSIONS
from cruscotto.engine.functions.kpi_scope import GROUP, FilterError, KpiScope
from cruscotto.engine.rules import dimensions
from cruscotto.engine.rules.records import records_of
from cruscotto.model.tables import TABLES
from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import account, load, rep

PAIRS = [
    (table.name, dimension)
    for table in TABLES
    for dimension in DIMENSIONS
    if dimensions.reference(table.name, dimension) is not None
]


def _scope(engine, **fields) -> KpiScope:
    return KpiScope(
        warehouse=engine.warehouse,
        settings=engine.settings,
        start=dt.date(1900, 1, 1),
        end=dt.date(2100, 1, 1),
        currency=engine.currency,
        **fields,
    )


def _keys(engine, table, key_columns) -> set[tuple]:
    frame = engine.execute(table.select(*key_columns))
    return set(frame.itertuples(index=False, name=None))


# The rule is one Ibis expression on every backend, so the DuckDB demo is enough.
@pytest.mark.parametrize("demo", ["duckdb"], indirect=True)
@pytest.mark.parametrize(("source", "dimension"), PAIRS)
def test_both_paths_cut_every_table_by_the_same_column(demo, source, dimension):
    """For each (table, dimension) the rule applies to, on the demo company: the group a
    KPI function gives a record (KpiScope.by) is the value whose filter selects it in the
    declared path (records_of), and the function's filter selects the same records.

    Checked for the two most frequent values (where records differ most in number)."""
    key_columns = next(t for t in TABLES if t.name == source).primary_key
    grouped = _scope(demo, by=dimension).table(source)
    valued = grouped.filter(grouped[GROUP].notnull())
    counts = demo.execute(valued.group_by(GROUP).aggregate(n=valued.count()))
    if counts.empty:
        pytest.skip(f"the demo company has no {source} with a {dimension}")
    for value in counts.sort_values(["n", GROUP], ascending=False)[GROUP].head(2):
        in_group = _keys(demo, grouped.filter(grouped[GROUP] == value), key_columns)
        declared = _keys(demo, records_of(demo, source, None, {dimension: [value]}), key_columns)
        scoped = _keys(demo, _scope(demo, filters={dimension: [value]}).table(source), key_columns)
        assert in_group, (source, dimension, value)
        assert declared == in_group, (source, dimension, value)
        assert scoped == in_group, (source, dimension, value)


def test_a_pair_outside_the_rule_is_refused_by_both_paths(demo):
    # Tasks carry no channel anywhere (no lead, no account): both refuse, neither ignores.
    assert dimensions.reference("tasks", "channel") is None
    with pytest.raises(FilterError, match="tasks records cannot be filtered by 'channel'"):
        _scope(demo, filters={"channel": ["referral"]}).table("tasks")
    with pytest.raises(dimensions.DimensionError, match="'channel' does not apply to tasks"):
        records_of(demo, "tasks", None, {"channel": ["referral"]})


def _two_channels(warehouse) -> None:
    """Account A1 was acquired by a partner; its deal O1 came from a referral lead, its
    deal O2 from no lead at all. Its contract C1 has no lead."""
    lead = {
        "lead_id": "L1",
        "created_at": dt.datetime(2026, 1, 5, 9),
        "channel": "referral",
        "owner_id": "R1",
        "account_id": "A1",
    }
    deal = {
        "account_id": "A1",
        "owner_id": "R1",
        "created_at": dt.datetime(2026, 1, 10, 9),
        "pipeline": "p",
        "stage": "proposal",
        "status": "open",
        "amount": 100.0,
        "currency": "EUR",
    }
    load(
        warehouse,
        reps=[rep("R1")],
        accounts=[account("A1", acquisition_channel="partner")],
        leads=[lead],
        opportunities=[
            {**deal, "opportunity_id": "O1", "lead_id": "L1"},
            {**deal, "opportunity_id": "O2", "lead_id": None},
        ],
        contracts=[
            {
                "contract_id": "C1",
                "account_id": "A1",
                "start_date": dt.date(2026, 1, 1),
                "mrr": 10.0,
                "currency": "EUR",
            }
        ],
    )


two_channels = loaded_engine(_two_channels)


@pytest.mark.parametrize(
    ("source", "channel", "expected"),
    [
        # A deal's channel is its lead's: O1 is a referral deal, O2 has no channel. The old
        # KPI-function path gave both the account's "partner" (it failed here).
        ("opportunities", "referral", {("O1",)}),
        ("opportunities", "partner", set()),
        # A contract has no lead: its channel is the account's acquisition channel.
        ("contracts", "partner", {("C1",)}),
        ("contracts", "referral", set()),
    ],
)
def test_channel_is_the_leads_for_a_deal_and_the_accounts_for_a_contract(
    two_channels, source, channel, expected
):
    key = ("opportunity_id",) if source == "opportunities" else ("contract_id",)
    filters = {"channel": [channel]}
    scoped = _keys(two_channels, _scope(two_channels, filters=filters).table(source), key)
    declared = _keys(two_channels, records_of(two_channels, source, None, filters), key)
    assert scoped == expected
    assert declared == expected
