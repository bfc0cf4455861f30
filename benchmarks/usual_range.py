"""The usual-range detector: false-alarm rate on stable series, delay to detect a shift.

    .venv/bin/python benchmarks/usual_range.py [--series 2000] [--seed 1]

Simulated monthly series, judged by `cruscotto.alerts.usual.predict` exactly as the
engine-facing `usual_range` judges a KPI's trend:

* stable: nothing changes, so every value outside the range is a false alarm. Volumes
  are Poisson (λ = 200, and λ = 20 for a small scope), with and without a growth trend
  (+1%/month) and an August at half volume (36 months of history: every month seen
  twice or more); rates are binomial (p = 0.30) with a little month-to-month drift of the
  true rate (sd 0.01) on samples of 20–200, and on tiny samples of 2–10.
* shifted: after 24 stable months the level moves (volumes −25% / −40%, rates
  0.30 → 0.20 / 0.15) and stays there; the detector sees one more month at a time (each
  judged against all the months before it, the shifted ones included). Delay = months
  after the shift until the first alarm (1 = the first shifted month); "missed" = no
  alarm within 6 months.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from cruscotto.alerts.usual import DEFAULT_LEVEL, Observation, predict

HISTORY = 36
SHIFT_AFTER = 24
WATCH = 6


def volume_series(rng, months, lam, growth=0.0, august=False, shift=1.0, shift_at=None):
    values = []
    for m in range(months):
        mean = lam * (1 + growth) ** m
        if august and m % 12 == 7:
            mean *= 0.5
        if shift_at is not None and m >= shift_at:
            mean *= shift
        values.append(Observation(float(rng.poisson(mean)), m % 12 + 1))
    return values


def rate_series(rng, months, p, n_low, n_high, shift_p=None, shift_at=None):
    values = []
    for m in range(months):
        true = p if shift_at is None or m < shift_at else shift_p
        true = min(max(true + rng.normal(0, 0.01), 0.001), 0.999)
        n = int(rng.integers(n_low, n_high + 1))
        x = int(rng.binomial(n, true))
        values.append(Observation(x / n, m % 12 + 1, x, n))
    return values


def fires(history, target, multiplicative) -> bool:
    prediction = predict(history, target, multiplicative=multiplicative, level=DEFAULT_LEVEL)
    return prediction is not None and not prediction.low <= target.value <= prediction.high


def false_alarms(make, count, multiplicative) -> float:
    alarms = 0
    for _ in range(count):
        series = make()
        alarms += fires(series[:-1], series[-1], multiplicative)
    return alarms / count


def delays(make, count, multiplicative) -> tuple[float, float, float]:
    """(share detected in the first shifted month, within 3, mean delay of those detected)."""
    found = []
    for _ in range(count):
        series = make()
        delay = None
        for k in range(WATCH):
            at = SHIFT_AFTER + k
            if fires(series[:at], series[at], multiplicative):
                delay = k + 1
                break
        found.append(delay)
    detected = [d for d in found if d is not None]
    first = sum(d == 1 for d in detected) / count
    within3 = sum(d <= 3 for d in detected) / count
    mean = float(np.mean(detected)) if detected else float("nan")
    return first, within3, mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.series
    started = time.perf_counter()
    print(f"level {DEFAULT_LEVEL:.0%}, {n} series per line, seed {args.seed}\n")
    print(f"stable series: false-alarm rate (nominal {1 - DEFAULT_LEVEL:.1%})")
    stable = [
        ("volume λ=200, 24 months", lambda: volume_series(rng, 25, 200), True),
        ("volume λ=20, 24 months", lambda: volume_series(rng, 25, 20), True),
        (
            "volume λ=200, +1%/month, August ×0.5, 36 months",
            lambda: volume_series(rng, HISTORY + 1, 200, growth=0.01, august=True),
            True,
        ),
        (
            "rate p=0.30, n 20–200, 24 months",
            lambda: rate_series(rng, 25, 0.30, 20, 200),
            False,
        ),
        ("rate p=0.30, n 2–10, 24 months", lambda: rate_series(rng, 25, 0.30, 2, 10), False),
    ]
    for label, make, multiplicative in stable:
        print(f"  {label:<52} {false_alarms(make, n, multiplicative):6.2%}")
    print("\nshift after 24 stable months: detected in month 1 / within 3 / mean delay")
    shifted = [
        (
            "volume λ=200 → −25%",
            lambda: volume_series(rng, 30, 200, shift=0.75, shift_at=SHIFT_AFTER),
            True,
        ),
        (
            "volume λ=200 → −40%",
            lambda: volume_series(rng, 30, 200, shift=0.60, shift_at=SHIFT_AFTER),
            True,
        ),
        (
            "volume λ=20 → −40%",
            lambda: volume_series(rng, 30, 20, shift=0.60, shift_at=SHIFT_AFTER),
            True,
        ),
        (
            "rate 0.30 → 0.20, n 20–200",
            lambda: rate_series(rng, 30, 0.30, 20, 200, 0.20, SHIFT_AFTER),
            False,
        ),
        (
            "rate 0.30 → 0.15, n 20–200",
            lambda: rate_series(rng, 30, 0.30, 20, 200, 0.15, SHIFT_AFTER),
            False,
        ),
    ]
    for label, make, multiplicative in shifted:
        first, within3, mean = delays(make, n, multiplicative)
        print(f"  {label:<52} {first:6.1%} {within3:6.1%}   {mean:4.2f} months")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
