"""Real public datasets loaded with the mapping files shipped in examples/.

The expected figures are computed here with pandas straight from the raw CSVs, then
compared with what the warehouse holds after the import. In CI the datasets sit beside
the repository (../shared/datasets); the tests are skipped, saying so, where they are absent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

from cruscotto.engine import Engine, Period
from cruscotto.ingest import Settings, import_files
from cruscotto.reports import conversion_by_source
from cruscotto.settings import CompanySettings

REPO = Path(__file__).resolve().parents[2]


def _datasets() -> Path:
    """../shared/datasets beside the checkout (a worktree sits one level deeper)."""
    for folder in REPO.parents:
        if (folder / "shared" / "datasets").is_dir():
            return folder / "shared" / "datasets"
    return REPO.parent / "shared" / "datasets"


DATASETS = _datasets()
EXAMPLES = REPO / "examples"
MAVEN = DATASETS / "maven_crm_sales_opportunities"
OLIST = DATASETS / "olist_marketing_funnel"
TELCO = DATASETS / "ibm_telco_customer_churn"
UTC = Settings(timezone="UTC", currency="EUR")


def need(folder: Path) -> None:
    if not folder.is_dir():
        pytest.skip(f"dataset not found at {folder} (the repository's ../shared/datasets)")


def data_rows(file: Path) -> int:
    """Records in a CSV as pandas reads it (the header is not a record)."""
    return len(pd.read_csv(file, dtype=str, keep_default_na=False))


def load(warehouse, folder: Path, *pairs: tuple[str, str]):
    """Import each (csv, mapping) pair in its own command, as a user would, and check that
    every row of the file is accounted for: rows in = imported + rejected + skipped."""
    reports = []
    for csv_name, mapping in pairs:
        report = import_files(
            warehouse, [folder / csv_name], mapping=EXAMPLES / mapping, settings=UTC
        )
        assert report.applied, report.rejects[:5]
        [file] = report.files
        imported = file.inserted + file.updated + file.unchanged
        rows_in = data_rows(folder / csv_name)
        assert file.rows_read == rows_in == imported + file.rejected_rows + file.skipped
        reports.append(report)
    return reports


def test_maven_crm_sales_opportunities(duckdb_warehouse):
    need(MAVEN)
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv")
    *_, pipeline = load(
        duckdb_warehouse,
        MAVEN,
        ("sales_teams.csv", "maven/sales_teams.yaml"),
        ("accounts.csv", "maven/accounts.yaml"),
        ("sales_pipeline.csv", "maven/sales_pipeline.yaml"),
    )
    # Every deal of the file is an opportunity, the 500 Prospecting ones (no engage date,
    # no close date) included: open, dated at the file's latest date, 2017-12-31 (the
    # last close_date; SOURCE.md), and the report says so.
    [file] = pipeline.files
    assert (file.rows_read, file.skipped, file.inserted, file.rejected_rows) == (8800, 0, 8800, 0)
    assert any("500 rows without engage_date" in w and "2017-12-31" in w for w in file.warnings)
    prospecting = duckdb_warehouse.table("opportunities").filter(ibis._.stage == "Prospecting")
    dated = prospecting.group_by("status", "created_at").aggregate(n=ibis._.count()).execute()
    assert dated.to_dict("records") == [
        {"status": "open", "created_at": pd.Timestamp("2017-12-31"), "n": 500}
    ]

    deals = duckdb_warehouse.table("opportunities")
    status = deals.group_by("status").aggregate(n=deals.count(), value=deals.amount.sum())
    stored = status.execute().set_index("status")
    won = raw[raw["deal_stage"] == "Won"]
    lost = raw[raw["deal_stage"] == "Lost"]
    assert stored.loc["won", "n"] == len(won) == 4238  # SOURCE.md: Won 4238
    assert stored.loc["lost", "n"] == len(lost) == 2473
    assert stored.loc["won", "value"] == won["close_value"].sum() == 10_005_534
    # Win rate = won / (won + lost) = 4238 / 6711 = 63.15 %.
    win_rate = stored.loc["won", "n"] / (stored.loc["won", "n"] + stored.loc["lost", "n"])
    assert win_rate == pytest.approx(len(won) / (len(won) + len(lost)))
    assert win_rate == pytest.approx(0.6315, abs=1e-4)
    # Per rep: the best seller by won value is the same in the raw file and the warehouse.
    by_rep = won.groupby("sales_agent")["close_value"].sum()
    top = deals.filter(deals.status == "won").group_by("owner_id").aggregate(v=deals.amount.sum())
    top = top.order_by(top.v.desc()).limit(1).execute().iloc[0]
    assert (top["owner_id"], top["v"]) == (by_rep.idxmax(), by_rep.max())
    assert duckdb_warehouse.table("accounts").count().execute() == 85
    assert duckdb_warehouse.table("reps").count().execute() == 35

    # The KPI engine, on the imported data, agrees with the raw file: every close date
    # is in 2017, so 2017's win rate is 4238 / (4238 + 2473) and 4238 deals were won,
    # worth 10,005,534 (in USD, the company's currency here, so no conversion).
    engine = Engine(
        duckdb_warehouse,
        CompanySettings(timezone="UTC", base_currency="USD"),
        today=dt.date(2018, 1, 31),
    )
    kpi = engine.value("win_rate", "2017")
    assert (kpi.numerator, kpi.denominator) == (len(won), len(won) + len(lost))
    assert kpi.value == pytest.approx(len(won) / (len(won) + len(lost)))
    deals_won = engine.value("deals_won", "2017")
    assert deals_won.value == len(won)
    # Open at the end of 2017: Engaging 1589 + Prospecting 500 = 2089 (SOURCE.md).
    # None of them has a close_value: the pipeline's value is unknown, not 0.
    open_pipeline = engine.value("open_pipeline", "2017")
    assert open_pipeline.details["open_deals"] == 1589 + 500
    assert (open_pipeline.value, open_pipeline.details["unknown"]) == (None, 1589 + 500)


def test_olist_marketing_funnel(duckdb_warehouse):
    need(OLIST)
    mqls = pd.read_csv(OLIST / "olist_marketing_qualified_leads_dataset.csv")
    closed = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv")
    *_, linked = load(
        duckdb_warehouse,
        OLIST,
        ("olist_marketing_qualified_leads_dataset.csv", "olist/leads.yaml"),
        ("olist_closed_deals_dataset.csv", "olist/closed_deals.yaml"),
        ("olist_closed_deals_dataset.csv", "olist/closed_deals_leads.yaml"),
    )
    # One seller signed (won_date 2018-03-06) before the lead's first contact (2018-03-08):
    # the two files disagree, so the row is imported and the disagreement named.
    [file] = linked.files
    assert file.updated == 842
    [order] = [w for w in file.warnings if "before the stored created_at" in w]
    assert (
        order.startswith("1 rows give converted_at") and "b91cf8812365f50ff4bda4bcd6206b05" in order
    )
    leads = duckdb_warehouse.table("leads")
    deals = duckdb_warehouse.table("opportunities")
    assert leads.count().execute() == len(mqls) == 8000
    assert deals.filter(deals.status == "won").count().execute() == len(closed) == 842
    # MQL-to-seller conversion = 842 / 8000 = 10.525 %, every deal tied to its lead.
    converted = leads.semi_join(deals, leads.lead_id == deals.lead_id).count().execute()
    assert converted / leads.count().execute() == pytest.approx(len(closed) / len(mqls))
    assert converted / 8000 == pytest.approx(0.10525)
    # By channel: organic search brings the most leads in the file and in the warehouse.
    by_channel = leads.group_by("channel").aggregate(n=leads.count()).execute()
    expected = mqls["origin"].fillna("unknown").value_counts()
    assert dict(zip(by_channel["channel"], by_channel["n"], strict=True)) == expected.to_dict()
    # 22 distinct sales reps (sr_id) closed the deals: created as reps from the deals file.
    assert duckdb_warehouse.table("reps").count().execute() == closed["sr_id"].nunique() == 22

    # The KPI engine in São Paulo time counts per calendar year what the raw file says:
    # the times were written in São Paulo time, stored in UTC and read back in that zone.
    engine = Engine(
        duckdb_warehouse,
        CompanySettings(timezone="America/Sao_Paulo", base_currency="BRL"),
        today=dt.date(2019, 1, 31),
    )
    for year in (2017, 2018):
        mql_year = pd.to_datetime(mqls["first_contact_date"]).dt.year == year
        won_year = pd.to_datetime(closed["won_date"]).dt.year == year
        assert engine.value("new_leads", str(year)).value == mql_year.sum()
        won = engine.value("deals_won", str(year))
        assert won.value == won_year.sum()
        # The file has no deal values: the won value is unknown, not 0 (and needs no rate).
        assert won.details["won_value"] is None
        assert won.details["won_value_unknown"] == won_year.sum()
    # Cohort conversion of the 2018 leads: those with a signed deal over all 2018 MQLs,
    # from the raw files; in the warehouse it rests on leads.converted_at, set by the
    # update-only mapping from the closed-deals file.
    cohort = mqls[pd.to_datetime(mqls["first_contact_date"]).dt.year == 2018]
    signed = cohort["mql_id"].isin(closed["mql_id"])
    conversion = engine.value("lead_conversion_rate", "2018")
    assert (conversion.numerator, conversion.denominator) == (signed.sum(), len(cohort))
    # The funnel lead -> opportunity -> won is complete: every signed lead names its deal
    # (before, the shipped mapping never linked them and lead-to-opportunity was 0 %).
    to_opportunity = engine.value("lead_to_opportunity_rate", "2018")
    assert (to_opportunity.numerator, to_opportunity.denominator) == (signed.sum(), len(cohort))
    funnel = conversion_by_source(engine, Period.parse("2018")).table("channels").frame
    total = funnel.iloc[-1]
    assert (total.leads, total.opportunities, total.won) == (
        len(cohort),
        signed.sum(),
        signed.sum(),
    )


def test_ibm_telco_customer_churn(duckdb_warehouse):
    need(TELCO)
    raw = pd.read_csv(TELCO / "Telco-Customer-Churn.csv", dtype=str, keep_default_na=False)
    [report] = load(duckdb_warehouse, TELCO, ("Telco-Customer-Churn.csv", "telco/contracts.yaml"))
    [file] = report.files
    # One contract and one account per customer (7043 unique customerID, SOURCE.md).
    assert file.inserted == len(raw) == raw["customerID"].nunique() == 7043
    assert file.related_inserted == {"accounts": 7043}

    contracts = duckdb_warehouse.table("contracts").execute().set_index("contract_id")
    raw = raw.set_index("customerID").loc[contracts.index]
    # The snapshot is dated 2019-09-30: a contract started `tenure` months before it and
    # a churned customer cancelled on it (the mapping's comment says why).
    asof = pd.Timestamp("2019-09-30")
    tenure = raw["tenure"].astype(int)
    expected_start = [asof - pd.DateOffset(months=m) for m in tenure]
    assert (pd.to_datetime(contracts["start_date"]) == pd.DatetimeIndex(expected_start)).all()
    churned = raw["Churn"] == "Yes"
    assert contracts["cancelled_at"].notna().sum() == churned.sum() == 1869
    assert (pd.to_datetime(contracts.loc[churned, "cancelled_at"]) == asof).all()
    assert contracts["mrr"].to_numpy() == pytest.approx(raw["MonthlyCharges"].astype(float))
    assert (contracts["product"] == raw["Contract"]).all()

    # The engine's churn for September 2019 against pandas on the raw file: customers at
    # the start are those with at least one month of tenure (the 11 with tenure 0 joined
    # on the 30th), and every churned customer had one (churners have tenure >= 1).
    engine = Engine(
        duckdb_warehouse,
        CompanySettings(timezone="UTC", base_currency="USD"),
        today=dt.date(2019, 12, 31),
    )
    at_start = tenure >= 1
    assert (at_start | ~churned).all()
    churn = engine.value("churn_rate", "2019-09")
    assert (churn.numerator, churn.denominator) == (churned.sum(), at_start.sum())
    assert (churn.numerator, churn.denominator) == (1869, 7043 - 11)
    # By contract type (the product): Month-to-month 1655 of 3875 churned, One year 166,
    # Two year 48 (SOURCE.md), over those already customers on 1 September.
    by_type = dict(engine.breakdown("churn_rate", "2019-09", "product"))
    for contract, group in raw[at_start].groupby("Contract"):
        result = by_type[contract]
        lost = (group["Churn"] == "Yes").sum()
        assert (result.numerator, result.denominator) == (lost, len(group))
    assert [by_type[c].numerator for c in ("Month-to-month", "One year", "Two year")] == [
        1655,
        166,
        48,
    ]
    # Revenue churn: the churned customers' monthly charges over the MRR on 1 September.
    charges = raw["MonthlyCharges"].astype(float)
    revenue = engine.value("revenue_churn", "2019-09")
    assert revenue.numerator == pytest.approx(charges[churned].sum())
    assert revenue.denominator == pytest.approx(charges[at_start].sum())
