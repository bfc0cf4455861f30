r"""Contractual retention: the shifted-beta-geometric (sBG) model of Fader & Hardie (2007),
"How to Project Customer Retention", Journal of Interactive Marketing 21(1), 76–90.

Each customer renews at the end of every period with a constant probability 1 − θ and
leaves with probability θ; θ varies across customers as Beta(α, β). For a cohort of n₀
customers observed for periods 1…N (n_t of them still alive at the end of period t):

    P(T = 1)  = α / (α + β)
    P(T = t)  = (β + t − 2) / (α + β + t − 1) · P(T = t − 1)        (t ≥ 2)
    S(t)      = B(α, β + t) / B(α, β)                                 (alive after period t)

and the log-likelihood maximised over (α, β) is

    LL(α, β) = Σ_{t=1..N} (n_{t−1} − n_t) · ln P(T = t)  +  n_N · ln S(N)

(those lost in each period, and the survivors after the last period, right-censored).
The fit works on ln α, ln β (scipy's Nelder–Mead), so both stay positive.

The discounted expected residual lifetime of a customer who has just renewed for the
n-th time (Fader & Hardie 2010, "Customer-Base Valuation in a Contractual Setting",
Marketing Science 29(1), eq. 6), with d the discount rate per period:

    DERL(d | α, β, n) = (β + n) / (α + β + n) · ₂F₁(1, β + n + 1; α + β + n + 1; 1 / (1 + d))

and a customer's residual CLV is the margin per period × DERL. A customer just acquired,
paying m at the start of every period it is alive, is worth (Fader & Hardie 2010, eq. 4,
since S(t) = (β)_t / (α + β)_t)

    E[CLV] = m · Σ_{t≥0} S(t) / (1 + d)^t = m · ₂F₁(1, β; α + β; 1 / (1 + d)).

Several cohorts (customers who started in different periods, each observed for its own
number of periods) share α, β: their log-likelihoods add up (`fit_retention_cohorts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1


@dataclass(frozen=True)
class RetentionFit:
    alpha: float
    beta: float
    log_likelihood: float
    fit_periods: int
    cohort_size: float

    def survival(self, periods: int) -> np.ndarray:
        """S(0)…S(periods): the share of the cohort alive after each period."""
        t = np.arange(periods + 1)
        return np.exp(betaln(self.alpha, self.beta + t) - betaln(self.alpha, self.beta))

    def projected(self, periods: int) -> list[float]:
        """Customers alive after periods 0…`periods`, on the scale of the cohort."""
        return [float(v) for v in self.cohort_size * self.survival(periods)]

    def retention_rates(self, periods: int) -> list[float]:
        """r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1) for t = 1…periods."""
        t = np.arange(1, periods + 1)
        return [float(v) for v in (self.beta + t - 1) / (self.alpha + self.beta + t - 1)]

    def discounted_residual_lifetime(self, discount: float, renewals: int) -> float:
        """DERL in periods for a customer who has just made `renewals` renewals."""
        if discount <= -1:
            raise ValueError("the discount rate must be greater than −100%")
        a, b, n = self.alpha, self.beta, renewals
        return float(
            (b + n) / (a + b + n) * hyp2f1(1, b + n + 1, a + b + n + 1, 1 / (1 + discount))
        )

    def expected_lifetime_value(self, margin: float, discount: float) -> float:
        """E[CLV] of a customer just acquired who pays `margin` at the start of each period."""
        if discount <= 0:
            raise ValueError("the discount rate must be greater than 0 (else the sum may diverge)")
        return float(margin * hyp2f1(1, self.beta, self.alpha + self.beta, 1 / (1 + discount)))


class RetentionInputError(ValueError):
    """The survival table cannot be fitted (the message says where and why)."""


def fit_retention(alive: list[float], fit_periods: int) -> RetentionFit:
    """Fit α, β to the first `fit_periods` periods of `alive` (alive[0] is the cohort size)."""
    counts = np.asarray(alive, dtype="float64")
    if fit_periods < 1:
        raise RetentionInputError("fit on at least one period (--fit-periods 1 or more)")
    if fit_periods >= len(counts):
        raise RetentionInputError(
            f"--fit-periods {fit_periods} needs periods 0…{fit_periods} in the file; "
            f"it has 0…{len(counts) - 1}"
        )
    used = counts[: fit_periods + 1]
    if used[0] <= 0:
        raise RetentionInputError("period 0 (the cohort size) must be greater than 0")
    if np.any(np.diff(used) > 0):
        raise RetentionInputError("alive customers cannot grow from one period to the next")
    if used[-1] == used[0]:
        raise RetentionInputError("nobody left in the fitted periods: α and β are not defined")
    return fit_retention_cohorts([used])


def fit_retention_cohorts(cohorts: list) -> RetentionFit:
    """Fit one α, β to several cohorts' survival tables (each alive[0…N_c], N_c ≥ 1,
    alive never growing, somebody lost somewhere): the sum of their log-likelihoods."""
    tables = [np.asarray(c, dtype="float64") for c in cohorts]
    if not tables or any(len(c) < 2 or c[0] <= 0 for c in tables):
        raise RetentionInputError("every cohort needs its size and at least one period")
    if not any(c[-1] < c[0] for c in tables):
        raise RetentionInputError("nobody left in the fitted periods: α and β are not defined")

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        a, b = np.exp(log_params)
        total = 0.0
        for used in tables:
            periods = len(used) - 1
            t = np.arange(1, periods + 1)
            log_churn = betaln(a + 1, b + t - 1) - betaln(a, b)  # ln P(T = t)
            log_survive = betaln(a, b + periods) - betaln(a, b)  # ln S(N)
            total += float((used[:-1] - used[1:]) @ log_churn) + float(used[-1] * log_survive)
        return -total

    best = minimize(
        negative_log_likelihood,
        x0=np.zeros(2),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10_000},
    )
    alpha, beta = (float(v) for v in np.exp(best.x))
    periods = max(len(c) for c in tables) - 1
    return RetentionFit(alpha, beta, -float(best.fun), periods, float(sum(c[0] for c in tables)))
