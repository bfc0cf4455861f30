"""The close-probability backtest on the Maven CRM sample (simulated B2B hardware sales).

    .venv/bin/python benchmarks/maven_close_probability.py [--data FOLDER]

FOLDER defaults to /work/shared/datasets/maven_crm_sales_opportunities.

The Maven file has, per deal, the agent, product, account (with sector, size, country),
stage (Prospecting, Engaging, Won, Lost), engage and close dates and the value of won deals.
It has no stage history beyond "engaged on", no activities and no CRM probability, and its
close value is 0 for lost deals — an outcome, so it is not used: the deal's amount is the
product's list price. Printed whatever it shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from benchmarks.close_probability import print_backtest, timed

from cruscotto.models.backtest import run_backtest
from cruscotto.models.deal_history import DealHistory

DEFAULT = Path("/work/shared/datasets/maven_crm_sales_opportunities")
STATUS = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}


def maven_history(folder: Path) -> DealHistory:
    deals = pd.read_csv(folder / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    accounts = pd.read_csv(folder / "accounts.csv")
    products = pd.read_csv(folder / "products.csv")
    teams = pd.read_csv(folder / "sales_teams.csv")
    price = dict(zip(products["product"].str.replace(" ", ""), products.sales_price, strict=True))
    deals = deals[deals.engage_date.notna()]  # Prospecting deals have no date at all
    accounts["size_band"] = pd.cut(
        accounts.employees, [0, 1000, 5000, 10**9], labels=["<1000", "1000-5000", "5000+"]
    ).astype(str)
    deals = deals.merge(accounts, on="account", how="left").merge(teams, on="sales_agent")
    today = deals.close_date.max() + pd.Timedelta(days=1)
    frame = pd.DataFrame(
        {
            "opportunity_id": deals.opportunity_id,
            "account_id": deals.account.fillna("(none)"),
            "owner_id": deals.sales_agent,
            "pipeline": deals.regional_office,
            "stage": deals.deal_stage.str.lower(),
            "status": deals.deal_stage.map(STATUS),
            "amount_base": deals["product"].str.replace(" ", "").map(price).astype(float),
            "product": deals["product"],
            "created_at": deals.engage_date,
            "closed_at": deals.close_date,
            "probability": float("nan"),
            "channel": "(unknown)",
            "segment": deals.office_location.fillna("(unknown)"),
            "industry": deals.sector.fillna("(unknown)"),
            "size_band": deals.size_band.fillna("(unknown)"),
        }
    )
    stages = frame[["opportunity_id", "created_at"]].rename(columns={"created_at": "entered_at"})
    stages = stages.assign(stage="engaging")
    closing = frame[frame.status != "open"]
    stages = pd.concat(
        [
            stages,
            closing[["opportunity_id", "closed_at", "stage"]].rename(
                columns={"closed_at": "entered_at"}
            ),
        ],
        ignore_index=True,
    )
    return DealHistory(
        deals=frame.reset_index(drop=True),
        stage_history=stages[["opportunity_id", "stage", "entered_at"]],
        activities=pd.DataFrame(
            {
                "opportunity_id": pd.Series(dtype=str),
                "type": pd.Series(dtype=str),
                "occurred_at": pd.Series(dtype="datetime64[ns]"),
            }
        ),
        today=today,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    folder = parser.parse_args().data
    history, load = timed(lambda: maven_history(folder))
    counts = history.deals.status.value_counts().to_dict()
    print(
        f"Maven CRM: {len(history.deals):,} engaged deals ({counts}), "
        f"{history.deals.created_at.min().date()} … {history.today.date()}; read in {load:.1f} s"
    )
    backtest, seconds = timed(lambda: run_backtest(history))
    print(f"  backtest in {seconds:.1f} s")
    print_backtest(backtest)


if __name__ == "__main__":
    main()
