r"""Non-contractual repeat buying: the BG/NBD model of Fader, Hardie & Lee (2005),
"'Counting Your Customers' the Easy Way: An Alternative to the Pareto/NBD Model",
Marketing Science 24(2), 275–284.

While active, a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they
become inactive with probability p ~ Beta(a, b). A customer's history over (0, T] is
summarised by x repeat purchases, the last one at t_x. The log-likelihood maximised over
(r, α, a, b) is the sum over customers of (FHL 2005, eq. 6):

    ln L_i = ln Γ(r + x) − ln Γ(r) + r ln α
           + ln B(a, b + x) − ln B(a, b)
           + ln[ (α + T)^−(r+x)  +  1{x > 0} · a / (b + x − 1) · (α + t_x)^−(r+x) ]

The last term is taken with log-sum-exp so large x or T do not underflow. The fit works
on the logarithms of the four parameters (scipy's Nelder–Mead), so all stay positive.

Expected repeat purchases of a customer with history (x, t_x, T) in the next t periods
(FHL 2005, eq. 10):

    E[Y(t) | x, t_x, T] = (a + b + x − 1) / (a − 1)
        · [1 − ((α + T) / (α + T + t))^(r+x) · ₂F₁(r + x, b + x; a + b + x − 1; t / (α + T + t))]
        / (1 + 1{x > 0} · a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1


@dataclass(frozen=True)
class RepeatPurchaseFit:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def expected_purchases(
        self, horizon: float, frequency: float, recency: float, age: float
    ) -> float:
        """E[Y(horizon) | x, t_x, T]: repeat purchases expected in the next `horizon`."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, big_t, t = frequency, recency, age, horizon
        ratio = (alpha + big_t) / (alpha + big_t + t)
        numerator = (a + b + x - 1) / (a - 1)
        numerator *= 1 - ratio ** (r + x) * gauss_series(
            r + x, b + x, a + b + x - 1, t / (alpha + big_t + t)
        )
        active = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
        return float(numerator / (1 + active))

    def expected_purchases_of_new_customer(self, horizon: float) -> float:
        """E[X(t)] for a customer just acquired (FHL 2005, eq. 9):
        (a + b − 1) / (a − 1) · [1 − (α / (α + t))^r · ₂F₁(r, b; a + b − 1; t / (α + t))]."""
        r, alpha, a, b, t = self.r, self.alpha, self.a, self.b, horizon
        tail = (alpha / (alpha + t)) ** r * gauss_series(r, b, a + b - 1, t / (alpha + t))
        return float((a + b - 1) / (a - 1) * (1 - tail))

    def probability_alive(self, frequency: float, recency: float, age: float) -> float:
        """P(still active | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 9 of the technical note)."""
        if frequency == 0:
            return 1.0
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x = frequency
        odds = a / (b + x - 1) * ((alpha + age) / (alpha + recency)) ** (r + x)
        return float(1 / (1 + odds))


def gauss_series(a: float, b: float, c: float, z: float) -> float:
    """₂F₁(a, b; c; z) for 0 ≤ z < 1: scipy's, or where it gives up (parameters in the
    hundreds of thousands, as a fit to customers who never come back produces) the
    defining series Σ (a)_k (b)_k / ((c)_k k!) z^k, summed until its terms vanish."""
    value = float(hyp2f1(a, b, c, z))
    if np.isfinite(value):
        return value
    total, term = 1.0, 1.0
    for k in range(1_000_000):
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        if abs(term) < 1e-16 * abs(total) and (a + k) * z < (k + 1):
            return total
    return float("nan")


class RepeatPurchaseInputError(ValueError):
    """The customer summary cannot be fitted (the message says where and why)."""


def log_likelihood(
    params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> float:
    """The BG/NBD log-likelihood of the module docstring, summed over customers."""
    r, alpha, a, b = params
    x = frequency
    part1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    part2 = betaln(a, b + x) - betaln(a, b)
    part3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    part4 = np.full_like(part3, -np.inf)
    part4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + recency[repeat])
    )
    return float(np.sum(part1 + part2 + np.logaddexp(part3, part4)))


def fit_repeat_purchases(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> RepeatPurchaseFit:
    """Maximum-likelihood r, α, a, b for customers' (frequency, recency, T)."""
    x = np.asarray(frequency, dtype="float64")
    t_x = np.asarray(recency, dtype="float64")
    big_t = np.asarray(age, dtype="float64")
    if len(x) == 0:
        raise RepeatPurchaseInputError("no customers to fit")
    if not np.any(x > 0):
        raise RepeatPurchaseInputError("no customer bought twice: the model has nothing to learn")

    def negative(log_params: np.ndarray) -> float:
        value = log_likelihood(np.exp(log_params), x, t_x, big_t)
        return -value if np.isfinite(value) else np.inf

    best = minimize(
        negative,
        x0=np.log([1.0, max(float(big_t.mean()), 1e-3), 1.0, 1.0]),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 40_000},
    )
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return RepeatPurchaseFit(r, alpha, a, b, -float(best.fun), len(x))
