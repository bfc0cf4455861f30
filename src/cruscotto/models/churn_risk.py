r"""Churn risk per contract customer: will the account lapse in the next HORIZON_DAYS?

The population is the contract customers at a moment m (an active contract at m); the
one-off buyers' repeat purchases are the BG/NBD model's (repeat_purchase.py). A customer
*lapses* when, HORIZON_DAYS later, it has no active contract and was not invoiced in
between. Features known at m (only records stamped by m): MRR, invoiced revenue
of the last year, tenure, days to the next contract anniversary (terms renew yearly),
activities in the last 90 days and their trend against the 90 before, tickets and complaints
in the last 90 days, NPS and CSAT of the last year (unanswered: a neutral value and a flag),
segment, industry, size. The invoices carry no due or payment date, so lateness of payment
is not a feature.

Learner: the calibrated, explainable logistic regression (explained_logistic.py), trained on
monthly snapshots whose outcome was known at the training cutoff. Backtested like the close
probability (rolling origins; Brier, log loss, AUC, calibration) against the baseline of
each segment's lapse rate; the product shows the model only when it beats the baseline.
Each at-risk account lists the factors raising its risk; accounts are ranked by revenue at
risk = probability × yearly revenue (MRR × 12).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cruscotto.models.account_history import AccountHistory, load_account_history
from cruscotto.models.background import BackgroundModel, ThreadStarter, plain_thread, table_version
from cruscotto.models.backtest import scores
from cruscotto.models.explained_logistic import ExplainedLogistic, effects, sigmoid
from cruscotto.models.store import frame_from_state, frame_state, record_run

HORIZON_DAYS = 180
ORIGINS = 6
MIN_LAPSED = 10
TOP_REASONS = 4
NUMERIC = [
    "mrr",
    "revenue_12m",
    "tenure_days",
    "days_to_renewal",
    "activities_90d",
    "activity_trend",
    "tickets_90d",
    "complaints_90d",
    "nps",
    "has_nps",
    "csat",
    "has_csat",
]
CATEGORICAL = ["segment", "industry", "size_band"]
LABELS = {
    "mrr": "Monthly recurring revenue",
    "revenue_12m": "Invoiced in the last 12 months",
    "tenure_days": "Days as a customer",
    "days_to_renewal": "Days to the contract's renewal",
    "activities_90d": "Activities in the last 90 days",
    "activity_trend": "Activity trend (last 90 days against the 90 before)",
    "tickets_90d": "Tickets in the last 90 days",
    "complaints_90d": "Complaints in the last 90 days",
    "nps": "NPS score (last 12 months)",
    "has_nps": "Answered NPS",
    "csat": "CSAT score (last 12 months)",
    "has_csat": "Answered CSAT",
    "segment": "Segment",
    "industry": "Industry",
    "size_band": "Company size",
}
DAY = pd.Timedelta(days=1)


def customers_at(history: AccountHistory, moment: pd.Timestamp) -> pd.Index:
    """The accounts with a contract active at `moment`."""
    contracts = history.contracts
    active = contracts[(contracts.start <= moment) & ~(contracts.end < moment)]
    return pd.Index(sorted(set(active.account_id)))


def lapsed(history: AccountHistory, moment: pd.Timestamp, accounts: pd.Index) -> np.ndarray:
    """1 for the accounts with no active contract HORIZON_DAYS after `moment` and no
    invoice in between."""
    later = moment + HORIZON_DAYS * DAY
    contracts = history.contracts
    kept = set(contracts[(contracts.start <= later) & ~(contracts.end < later)].account_id)
    invoices = history.invoices
    billed = set(invoices[(invoices.issued_at > moment) & (invoices.issued_at <= later)].account_id)
    return np.array([int(a not in kept and a not in billed) for a in accounts])


def account_snapshots(history: AccountHistory, moment: pd.Timestamp) -> pd.DataFrame:
    """One row per customer at `moment`: account_id, the features known then, moment."""
    moment = pd.Timestamp(moment)
    ids = customers_at(history, moment)
    frame = pd.DataFrame(index=ids)
    contracts = history.contracts[history.contracts.account_id.isin(ids)]
    active = contracts[(contracts.start <= moment) & ~(contracts.end < moment)]
    frame["mrr"] = np.log1p(active.groupby("account_id").mrr_base.sum()).reindex(ids).fillna(0)
    years = np.ceil(((moment - active.start) / DAY + 1) / 365)
    renewal = (active.start + pd.to_timedelta(years * 365, unit="D") - moment) / DAY
    frame["days_to_renewal"] = renewal.groupby(active.account_id).min().reindex(ids).fillna(365)
    invoices = history.invoices[history.invoices.account_id.isin(ids)]
    invoices = invoices[invoices.issued_at <= moment]
    year = invoices[invoices.issued_at > moment - 365 * DAY]
    frame["revenue_12m"] = np.log1p(
        year.groupby("account_id").amount_base.sum().reindex(ids).fillna(0).clip(lower=0)
    )
    first = pd.concat(
        [
            contracts[contracts.start <= moment].groupby("account_id").start.min(),
            invoices.groupby("account_id").issued_at.min(),
        ]
    )
    frame["tenure_days"] = ((moment - first.groupby(level=0).min()) / DAY).reindex(ids).fillna(0)
    frame["activities_90d"] = _count(history.activities, "occurred_at", ids, moment, 0, 90)
    before = _count(history.activities, "occurred_at", ids, moment, 90, 180)
    frame["activity_trend"] = np.log((frame.activities_90d + 1) / (before + 1))
    frame["tickets_90d"] = _count(history.tickets, "opened_at", ids, moment, 0, 90)
    complaints = history.tickets[history.tickets.complaint.astype(bool)]
    frame["complaints_90d"] = _count(complaints, "opened_at", ids, moment, 0, 90)
    surveys = history.surveys
    surveys = surveys[
        surveys.account_id.isin(ids)
        & (surveys.responded_at <= moment)
        & (surveys.responded_at > moment - 365 * DAY)
    ]
    for kind, neutral in (("nps", 7.0), ("csat", 4.0)):
        mean = surveys[surveys.kind == kind].groupby("account_id").score.mean().reindex(ids)
        frame[f"has_{kind}"] = mean.notna().astype(float)
        frame[kind] = mean.fillna(neutral)
    accounts = history.accounts.set_index("account_id").reindex(ids)
    for column in CATEGORICAL:
        frame[column] = accounts[column].fillna("(unknown)").astype(str)
    frame["moment"] = moment
    return frame.rename_axis("account_id").reset_index()


def _count(records: pd.DataFrame, column: str, ids, moment, start_days: int, end_days: int):
    """Records per account stamped in (moment − end_days, moment − start_days]."""
    inside = records[
        records.account_id.isin(ids)
        & (records[column] <= moment - start_days * DAY)
        & (records[column] > moment - end_days * DAY)
    ]
    return inside.groupby("account_id").size().reindex(ids).fillna(0).astype(float)


def monthly_account_snapshots(history: AccountHistory) -> pd.DataFrame:
    """Snapshots at each month start whose outcome is known today, labelled `lapsed`."""
    # From half a year after the first record of any kind (the 90 + 90 days of activity
    # the trend compares) to the last moment whose horizon has passed.
    stamps = [history.activities.occurred_at.min(), history.contracts.start.min()]
    stamps = [s for s in stamps if pd.notna(s)]
    if not stamps:
        return pd.DataFrame()
    first, last = max(stamps) + 180 * DAY, history.today - HORIZON_DAYS * DAY
    parts = []
    for moment in pd.date_range(first, last, freq="MS"):
        snap = account_snapshots(history, moment)
        if not snap.empty:
            snap["lapsed"] = lapsed(history, moment, pd.Index(snap.account_id))
            parts.append(snap)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass
class ChurnModel:
    base_rates: dict[str, tuple[int, int]]  # per segment: lapsed, snapshots
    overall: tuple[int, int]
    learner: ExplainedLogistic | None

    def baseline(self, rows: pd.DataFrame) -> np.ndarray:
        def rate(segment):
            lapsed_, total = self.base_rates.get(segment, self.overall)
            return (lapsed_ + 1) / (total + 2)

        return np.array([rate(s) for s in rows.segment])

    def probabilities(self, rows: pd.DataFrame) -> np.ndarray:
        if self.learner is None or rows.empty:
            return self.baseline(rows)
        return sigmoid(self.learner.logit(rows))

    def factors(self, rows: pd.DataFrame) -> pd.DataFrame:
        if self.learner is None or rows.empty:
            return pd.DataFrame(index=rows.index)
        return effects(self.probabilities(rows), self.learner.terms(rows), rows.index)


def train_churn(snapshots: pd.DataFrame, cutoff: pd.Timestamp) -> ChurnModel:
    """What could be learned at `cutoff`: snapshots whose horizon ended by then."""
    known = (
        snapshots[snapshots.moment + HORIZON_DAYS * DAY <= cutoff] if len(snapshots) else snapshots
    )
    if known.empty:
        return ChurnModel({}, (0, 0), None)
    grouped = known.groupby("segment").lapsed.agg(["sum", "count"])
    model = ChurnModel(
        {k: (int(r["sum"]), int(r["count"])) for k, r in grouped.iterrows()},
        (int(known.lapsed.sum()), len(known)),
        None,
    )
    if known.lapsed.sum() >= MIN_LAPSED and known.lapsed.nunique() == 2:
        model.learner = ExplainedLogistic(NUMERIC, CATEGORICAL).fit(known, known.lapsed)
    return model


@dataclass
class ChurnRisk:
    """Today's contract customers (account_id, name, owner_id, segment, probability,
    yearly_revenue, revenue_at_risk, reasons), most revenue at risk first; the backtest."""

    accounts: pd.DataFrame
    backtest: dict
    uses_model: bool
    trained_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )
    data_version: str = ""

    def scores(self) -> dict[str, dict] | None:
        """{account id: {probability, reasons}} for the churn-signal alerts; None when the
        model did not beat each segment's lapse rate (a segment's rate says nothing about
        one account, so it is no signal)."""
        if not self.uses_model:
            return None
        return {
            row.account_id: {"probability": float(row.probability), "reasons": row.reasons}
            for row in self.accounts.itertuples()
        }

    def to_state(self) -> dict:
        """Everything, JSON-ready, for keeping it across restarts (see models.store)."""
        return {
            "accounts": frame_state(self.accounts),
            "backtest": self.backtest,
            "uses_model": self.uses_model,
            "trained_at": self.trained_at.isoformat(),
            "data_version": self.data_version,
        }

    @classmethod
    def from_state(cls, state: dict) -> ChurnRisk:
        return cls(
            **{
                **state,
                "accounts": frame_from_state(state["accounts"]),
                "trained_at": dt.datetime.fromisoformat(state["trained_at"]),
            }
        )


def churn_backtest(history: AccountHistory, snapshots: pd.DataFrame) -> dict:
    """Rolling origins: at each of the last ORIGINS month starts whose horizon has passed,
    train on what was known, score the customers then, compare with who lapsed."""
    if snapshots.empty:
        return {"origins": [], "n_accounts": 0, "reason": "no_history", "methods": []}
    moments = sorted(snapshots.moment.unique())[-ORIGINS:]
    parts = []
    for origin in moments:
        rows = snapshots[snapshots.moment == origin]
        model = train_churn(snapshots, pd.Timestamp(origin))
        parts.append(
            pd.DataFrame(
                {
                    "lapsed": rows.lapsed.to_numpy(),
                    "model": model.probabilities(rows),
                    "baseline": model.baseline(rows),
                    "learned": model.learner is not None,
                }
            )
        )
    scored = pd.concat(parts, ignore_index=True)
    methods = {
        m: scores(scored.lapsed.to_numpy(), scored[m].to_numpy()) for m in ("model", "baseline")
    }
    learned = bool(scored.learned.any())
    better = learned and methods["model"]["brier"] < methods["baseline"]["brier"]
    return {
        "origins": [pd.Timestamp(t).date().isoformat() for t in moments],
        "n_accounts": len(scored),
        "brier": methods["model"]["brier"],
        "baseline_brier": methods["baseline"]["brier"],
        "log_loss": methods["model"]["log_loss"],
        "baseline_log_loss": methods["baseline"]["log_loss"],
        "auc": methods["model"]["auc"],
        "baseline_auc": methods["baseline"]["auc"],
        "calibration": {m: methods[m]["calibration"] for m in methods},
        "methods": [
            {"method": m, **{k: v for k, v in methods[m].items() if k != "calibration"}}
            for m in methods
        ],
        "uses_model": better,
        "reason": "model_better"
        if better
        else ("baseline_better" if learned else "too_few_lapses"),
    }


def churn_risk(history: AccountHistory) -> ChurnRisk:
    """Today's customers with their probability of lapsing, revenue at risk and reasons."""
    snapshots = monthly_account_snapshots(history)
    backtest = churn_backtest(history, snapshots)
    model = train_churn(snapshots, history.today)
    current = account_snapshots(history, history.today)
    uses_model = backtest.get("uses_model", False) and model.learner is not None
    probability = model.probabilities(current) if uses_model else model.baseline(current)
    yearly = np.expm1(current.mrr) * 12
    names = history.accounts.set_index("account_id")
    accounts = pd.DataFrame(
        {
            "account_id": current.account_id,
            "name": current.account_id.map(names.name),
            "owner_id": current.account_id.map(names.owner_id),
            "segment": current.segment,
            "probability": probability,
            "yearly_revenue": yearly,
            "revenue_at_risk": probability * yearly,
            "reasons": _reasons(model.factors(current), current)
            if uses_model
            else [[] for _ in range(len(current))],
        }
    )
    accounts = accounts.sort_values("revenue_at_risk", ascending=False).reset_index(drop=True)
    return ChurnRisk(accounts, backtest, uses_model)


def _reasons(effects_: pd.DataFrame, rows: pd.DataFrame) -> list[list[dict]]:
    """The factors raising each account's risk, strongest first, with the account's value."""
    result = []
    for index, row in effects_.iterrows():
        up = row[row > 0.005].sort_values(ascending=False).index[:TOP_REASONS]
        result.append(
            [
                {
                    "feature": f,
                    "label": LABELS[f],
                    "value": _shown(f, rows.at[index, f]),
                    "effect": round(float(row[f]), 4),
                }
                for f in up
            ]
        )
    return result


def _shown(feature: str, value):
    if isinstance(value, str):
        return value
    if feature in ("mrr", "revenue_12m"):
        return round(float(np.expm1(value)), 2)
    if feature == "activity_trend":
        return round(float(np.expm1(value)) * 100)  # % change of activities
    if feature in ("nps", "csat"):
        return round(float(value), 1)
    return round(float(value))


def churn_data_version(engine) -> str:
    """Rows and latest stamps of what the churn model reads (changes after an import)."""
    return "|".join(
        table_version(engine, name, column)
        for name, column in (
            ("contracts", "start_date"),
            ("invoices", "issued_at"),
            ("activities", "occurred_at"),
            ("tickets", "opened_at"),
            ("surveys", "responded_at"),
        )
    )


def train_churn_and_record(engine) -> ChurnRisk:
    """Backtest, train and score today's customers; record the training in model_runs."""
    risk = churn_risk(load_account_history(engine))
    risk.data_version = churn_data_version(engine)
    record_run(
        engine.warehouse.state_store,
        model="churn_risk",
        trained_at=risk.trained_at,
        data_version=risk.data_version,
        closed_deals=int(risk.backtest.get("n_accounts", 0)),
        uses_model=risk.uses_model,
        backtest=risk.backtest,
    )
    return risk


class ChurnRiskService(BackgroundModel):
    """Today's customers' churn risk, retrained after the data changed. The alerts' churn
    signal can read `current(engine)` (None until the first training is done)."""

    name = "churn_risk"
    kept = ChurnRisk

    def __init__(self, start: ThreadStarter = plain_thread) -> None:
        super().__init__(train_churn_and_record, churn_data_version, start)
