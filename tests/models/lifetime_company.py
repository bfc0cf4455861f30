"""A company whose customers are two published data sets, so the lifetime-value pipeline
(contracts and invoices → survival tables and purchase summaries → fits) can be checked
against the published estimates:

- contract customers: Fader & Hardie (2007)'s "regular" cohort (data/sbg_regular.csv:
  1,000 customers, 631, 468, 382, 326, 289, 262, 241 alive after years 1–7), all starting
  on START; those lost in year k have a contract ending the day before their k-th
  anniversary; the 241 survivors' contracts run on. Published α = 0.704, β = 1.182.
- customers without a contract: the 2,357 CDNOW customers (data/cdnow_customers_summary.csv,
  in weeks to 2 decimals, i.e. whole days): first purchase T weeks before TODAY, the last
  t_x weeks after it, the x − 1 others on the days right after the first. Published
  r = 0.243, α = 4.414, a = 0.793, b = 2.426.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cruscotto.models.account_history import AccountHistory

DATA = Path(__file__).parent / "data"
START = pd.Timestamp("2018-03-01")
TODAY = pd.Timestamp("2025-06-30")  # every regular customer has reached its 7th anniversary
MRR = 100.0


def contract_customers() -> pd.DataFrame:
    alive = pd.read_csv(DATA / "sbg_regular.csv").alive.tolist()[:8]
    rows, number = [], 0
    for year in range(1, len(alive)):
        for _ in range(alive[year - 1] - alive[year]):
            end = START + pd.DateOffset(years=year) - pd.Timedelta(days=1)
            rows.append((f"C{number:04d}", START, end))
            number += 1
    for _ in range(alive[-1]):
        rows.append((f"C{number:04d}", START, pd.NaT))
        number += 1
    frame = pd.DataFrame(rows, columns=["account_id", "start", "end"])
    frame["mrr_base"] = MRR
    return frame


def invoices() -> pd.DataFrame:
    summary = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    rows = []
    for customer in summary.itertuples():
        first = TODAY - pd.Timedelta(days=round(customer.T * 7))
        days = [0, *range(1, int(customer.frequency)), round(customer.recency * 7)]
        days = days[: int(customer.frequency) + 1]
        if customer.frequency > 0:
            days[-1] = round(customer.recency * 7)
        rows += [(f"N{customer.ID:04d}", first + pd.Timedelta(days=d), 10.0) for d in days]
    return pd.DataFrame(rows, columns=["account_id", "issued_at", "amount_base"])


def history() -> AccountHistory:
    contracts = contract_customers()
    bills = invoices()
    ids = [*contracts.account_id, *bills.account_id.unique()]
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "name": [f"Customer {i}" for i in ids],
            "owner_id": ["R0" if i.endswith(("0", "2", "4", "6", "8")) else "R1" for i in ids],
            "segment": "SMB",
            "industry": "Retail",
            "size_band": "1-10",
        }
    )
    empty = pd.DataFrame
    return AccountHistory(
        accounts=accounts,
        contracts=contracts,
        invoices=bills,
        activities=empty({"account_id": [], "occurred_at": pd.to_datetime([])}),
        tickets=empty({"account_id": [], "opened_at": pd.to_datetime([]), "complaint": []}),
        surveys=empty(
            {"account_id": [], "kind": [], "score": [], "responded_at": pd.to_datetime([])}
        ),
        today=TODAY,
    )


def canonical_tables() -> dict:
    """The same company as canonical tables (EUR; reps R0 in North, R1 in South)."""
    from tests.reports.company import reps, rows

    company = history()
    contracts = company.contracts
    invoices = company.invoices
    return {
        "reps": reps(("R0", "Anna Neri", "North"), ("R1", "Bruno Sala", "South")),
        "accounts": rows(
            "accounts",
            company.accounts.assign(created_at=START).to_dict("records"),
        ),
        "contracts": rows(
            "contracts",
            [
                {
                    "contract_id": f"K{i}",
                    "account_id": c.account_id,
                    "start_date": c.start.date(),
                    "end_date": None if pd.isna(c.end) else c.end.date(),
                    "mrr": MRR,
                    "currency": "EUR",
                }
                for i, c in enumerate(contracts.itertuples())
            ],
        ),
        "invoices": rows(
            "invoices",
            [
                {
                    "invoice_id": f"I{i}",
                    "account_id": b.account_id,
                    "issued_at": b.issued_at.date(),
                    "amount": b.amount_base,
                    "currency": "EUR",
                }
                for i, b in enumerate(invoices.itertuples())
            ],
        ),
    }
