"""Retention and lifetime value on the company's own data: the sBG model (retention.py) on
the contract customers, per start cohort, and the BG/NBD model (repeat_purchase.py) on the
invoices of the customers who never had a contract.

Contract customers. An account's customer life starts with its first contract and lasts
while it has an active contract at every yearly anniversary (contract terms renew yearly;
a comeback after a gap is not a survival: sBG knows no return). Period = YEAR; cohort =
the calendar year of the first start. A cohort's period t is counted only once every one
of its members has reached its t-th anniversary. Each cohort with two observed periods
and somebody lost gets its own α, β; one fit over all cohorts (their log-likelihoods
summed) projects the others and gives the CLV:

    CLV (retention model) = m · ₂F₁(1, β; α + β; 1 / (1 + d))

with m the mean yearly revenue of today's contract customers (MRR × 12, in the base
currency) and d = DISCOUNT_PER_YEAR. Each of today's contract customers has renewed
n = its full years as a customer; its chance of renewing at the next anniversary is
(β + n) / (α + β + n) and its projected value is its yearly revenue × DERL(d | α, β, n).

Customers without a contract. A purchase is a day with invoices (the usual summary of a
transaction log); x = purchases after the first, t_x = weeks from the first to the last,
T = weeks from the first to today. Each gets E[purchases in the next HORIZON_WEEKS],
P(alive) and a projected value = expected purchases × its mean purchase value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from cruscotto.models.account_history import AccountHistory, load_account_history
from cruscotto.models.background import BackgroundModel, ThreadStarter, plain_thread, table_version
from cruscotto.models.repeat_purchase import (
    RepeatPurchaseFit,
    RepeatPurchaseInputError,
    fit_repeat_purchases,
)
from cruscotto.models.retention import RetentionFit, RetentionInputError, fit_retention_cohorts
from cruscotto.models.store import frame_from_state, frame_state

DISCOUNT_PER_YEAR = 0.10
PROJECTED_YEARS = 10
HORIZON_WEEKS = 52
# Beyond this α + β, Beta(α, β) has (almost) no spread: every customer churns with the same
# probability α / (α + β) a year, and α, β themselves mean nothing to a reader.
NO_SPREAD = 1e4
YEAR = pd.DateOffset(years=1)
WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class Cohort:
    """Accounts whose first contract started in `year`: alive[t] after t years (observed),
    the cohort's own fit (None when it cannot have one), and `projected` alive after
    0…PROJECTED_YEARS years (own fit, else the pooled one)."""

    year: int
    alive: list[int]
    fit: RetentionFit | None
    projected: list[float] | None


@dataclass
class LifetimeValues:
    cohorts: list[Cohort]
    pooled: RetentionFit | None
    yearly_revenue: float | None  # mean per contract customer today
    contract_customers: int
    repeat: RepeatPurchaseFit | None
    repeat_customers: int
    customers: pd.DataFrame  # one row per account (see account_values)
    trained_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )
    data_version: str = ""

    def to_state(self) -> dict:
        """Everything, JSON-ready, for keeping it across restarts (see models.store)."""
        return {
            "cohorts": [
                {**asdict(c), "fit": asdict(c.fit) if c.fit else None} for c in self.cohorts
            ],
            "pooled": asdict(self.pooled) if self.pooled else None,
            "yearly_revenue": self.yearly_revenue,
            "contract_customers": self.contract_customers,
            "repeat": asdict(self.repeat) if self.repeat else None,
            "repeat_customers": self.repeat_customers,
            "customers": frame_state(self.customers),
            "trained_at": self.trained_at.isoformat(),
            "data_version": self.data_version,
        }

    @classmethod
    def from_state(cls, state: dict) -> LifetimeValues:
        def retention(fit: dict | None) -> RetentionFit | None:
            return RetentionFit(**fit) if fit else None

        return cls(
            **{
                **state,
                "cohorts": [Cohort(**{**c, "fit": retention(c["fit"])}) for c in state["cohorts"]],
                "pooled": retention(state["pooled"]),
                "repeat": RepeatPurchaseFit(**state["repeat"]) if state["repeat"] else None,
                "customers": frame_from_state(state["customers"]),
                "trained_at": dt.datetime.fromisoformat(state["trained_at"]),
            }
        )

    @property
    def contract_clv(self) -> float | None:
        if self.pooled is None or self.yearly_revenue is None:
            return None
        return self.pooled.expected_lifetime_value(self.yearly_revenue, DISCOUNT_PER_YEAR)

    def summary(self) -> dict:
        """The model-based CLV with every input it is made of (for the CLV KPI's page)."""
        pooled, repeat = self.pooled, self.repeat
        return {
            "clv": self.contract_clv,
            "discount_per_year": DISCOUNT_PER_YEAR,
            "yearly_revenue": self.yearly_revenue,
            "contract_customers": self.contract_customers,
            **parameters(pooled),
            "first_year_retention": pooled.retention_rates(1)[0] if pooled else None,
            "cohorts": [
                {
                    "year": c.year,
                    "size": c.alive[0],
                    "alive": c.alive,
                    "own_fit": c.fit is not None,
                    **parameters(c.fit),
                    "projected": c.projected,
                }
                for c in self.cohorts
            ],
            "repeat": {
                "customers": self.repeat_customers,
                "horizon_weeks": HORIZON_WEEKS,
                **(
                    {
                        "r": repeat.r,
                        "alpha": repeat.alpha,
                        "a": repeat.a,
                        "b": repeat.b,
                        "new_customer_purchases": known(
                            repeat.expected_purchases_of_new_customer(HORIZON_WEEKS)
                        ),
                    }
                    if repeat
                    else {}
                ),
            },
            "trained_at": self.trained_at.isoformat(timespec="seconds"),
        }


def parameters(fit: RetentionFit | None) -> dict:
    """α, β, the yearly churn they average to and whether they have a spread."""
    if fit is None:
        return {"alpha": None, "beta": None, "churn": None, "no_spread": None}
    total = fit.alpha + fit.beta
    return {
        "alpha": fit.alpha,
        "beta": fit.beta,
        "churn": fit.alpha / total,
        "no_spread": total > NO_SPREAD,
    }


def known(value: float) -> float | None:
    """A model's number, or None (unknown) where its closed form overflows."""
    return float(value) if np.isfinite(value) else None


def years_survived(contracts: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Per account: first start, anniversaries reached by today, and how many of them in a
    row (from the first) it was alive at: an active contract on the day."""
    first = contracts.groupby("account_id").start.min().rename("first_start")
    lives = first.reset_index()
    lives["reached"] = 0
    lives["survived"] = 0
    own = contracts.merge(lives[["account_id", "first_start"]], on="account_id")
    still = pd.Series(True, index=lives.account_id)
    t = 1
    while True:
        moments = lives.first_start + pd.DateOffset(years=t)
        reached = (moments <= today).to_numpy()
        if not reached.any():
            return lives
        lives.loc[reached, "reached"] = t
        moment = own.first_start + pd.DateOffset(years=t)
        active = own[(own.start <= moment) & ~(own.end < moment)].account_id.unique()
        still &= pd.Series(still.index.isin(active), index=still.index)
        lives.loc[reached & still.to_numpy(), "survived"] = t
        t += 1


def cohort_tables(lives: pd.DataFrame) -> dict[int, list[int]]:
    """alive[0…N] per start year, N = the periods every member has reached."""
    tables = {}
    for year, members in lives.groupby(lives.first_start.dt.year):
        periods = int(members.reached.min())
        tables[int(year)] = [int((members.survived >= t).sum()) for t in range(periods + 1)]
    return tables


def fit_cohorts(tables: dict[int, list[int]]) -> tuple[list[Cohort], RetentionFit | None]:
    usable = [alive for alive in tables.values() if len(alive) >= 2]
    try:
        pooled = fit_retention_cohorts(usable) if usable else None
    except RetentionInputError:
        pooled = None
    cohorts = []
    for year, alive in sorted(tables.items()):
        own = None
        if len(alive) >= 3 and alive[-1] < alive[0]:  # two periods: α and β both identified
            own = fit_retention_cohorts([alive])
        fit = own or pooled
        projected = [alive[0] * s for s in fit.survival(PROJECTED_YEARS).tolist()] if fit else None
        cohorts.append(Cohort(year, alive, own, projected))
    return cohorts, pooled


def purchase_summary(history: AccountHistory, contract_accounts) -> pd.DataFrame:
    """Per account without a contract: frequency, recency, T (weeks) and mean purchase
    value (base currency) from its invoice days."""
    invoices = history.invoices[~history.invoices.account_id.isin(contract_accounts)]
    invoices = invoices[invoices.issued_at <= history.today]
    days = invoices.groupby(["account_id", invoices.issued_at.dt.normalize()]).amount_base.sum()
    days = days.reset_index()
    grouped = days.groupby("account_id")
    first, last = grouped.issued_at.min(), grouped.issued_at.max()
    return pd.DataFrame(
        {
            "frequency": grouped.size() - 1,
            "recency": (last - first) / WEEK,
            "T": (history.today.normalize() - first) / WEEK,
            "purchase_value": grouped.amount_base.mean(),
        }
    ).reset_index()


def lifetime_values(history: AccountHistory) -> LifetimeValues:
    contracts = history.contracts[history.contracts.start <= history.today]
    lives = years_survived(contracts, history.today)
    cohorts, pooled = fit_cohorts(cohort_tables(lives))
    today = history.today
    active = contracts[(contracts.start <= today) & ~(contracts.end < today)]
    yearly = active.groupby("account_id").mrr_base.sum() * 12
    contract_rows = lives.set_index("account_id").loc[yearly.index]
    renewals = contract_rows.reached.to_numpy()
    contract = pd.DataFrame(
        {
            "account_id": yearly.index,
            "kind": "contract",
            "yearly_revenue": yearly.to_numpy(),
            "renewals": renewals,
        }
    )
    if pooled is not None:
        a, b = pooled.alpha, pooled.beta
        contract["renewal_probability"] = (b + renewals) / (a + b + renewals)
        contract["projected_value"] = [
            y * pooled.discounted_residual_lifetime(DISCOUNT_PER_YEAR, int(n))
            for y, n in zip(contract.yearly_revenue, renewals, strict=True)
        ]
    summary = purchase_summary(history, set(contracts.account_id))
    try:
        repeat = fit_repeat_purchases(summary.frequency, summary.recency, summary["T"])
    except RepeatPurchaseInputError:
        repeat = None
    one_off = summary.assign(kind="one_off")
    if repeat is not None:
        rows = one_off[["frequency", "recency", "T"]].to_numpy()
        one_off["expected_purchases"] = [
            known(repeat.expected_purchases(HORIZON_WEEKS, *r)) for r in rows
        ]
        one_off["probability_alive"] = [known(repeat.probability_alive(*r)) for r in rows]
        one_off["projected_value"] = one_off.expected_purchases * one_off.purchase_value
    customers = pd.concat([contract, one_off], ignore_index=True)
    return LifetimeValues(
        cohorts=cohorts,
        pooled=pooled,
        yearly_revenue=float(yearly.mean()) if len(yearly) else None,
        contract_customers=len(yearly),
        repeat=repeat,
        repeat_customers=len(summary),
        customers=customers,
    )


def lifetime_data_version(engine) -> str:
    """Rows and latest stamps of what the two models read."""
    return "|".join(
        table_version(engine, name, column)
        for name, column in (("contracts", "start_date"), ("invoices", "issued_at"))
    )


def train_lifetime_values(engine) -> LifetimeValues:
    values = lifetime_values(load_account_history(engine))
    values.data_version = lifetime_data_version(engine)
    return values


class LifetimeValueService(BackgroundModel):
    """Retention per cohort, repeat purchases and each customer's projected value,
    refitted after the data changed."""

    name = "lifetime_value"
    kept = LifetimeValues

    def __init__(self, start: ThreadStarter = plain_thread) -> None:
        super().__init__(train_lifetime_values, lifetime_data_version, start)
