"""Statistics on KPI values: confidence intervals for rates, status against targets."""

from __future__ import annotations

import math

# Two-sided 95%: the normal quantile 1.959964…
Z_95 = 1.959963984540054

# A value within this fraction of its target is "at risk" rather than "off target".
AT_RISK_TOLERANCE = 0.10
# Below this many records a rate or an average is too small a sample to judge.
SMALL_SAMPLE = 30


def wilson_interval(successes: float, trials: float, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (Wilson 1927; Brown, Cai & DasGupta 2001).

    Unlike the normal approximation it stays inside [0, 1] and is honest for small samples:
    3 won of 25 is 12% with an interval of about 4%–30%.
    """
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def status(
    value: float | None,
    direction: str,
    target: float | None,
    benchmark_low: float | None = None,
    benchmark_high: float | None = None,
    *,
    unfinished: bool = False,
    sample_size: int | None = None,
    sampled: bool = False,
) -> str | None:
    """on_target / at_risk / off_target against the target, else the benchmark band —
    or, when no verdict is honest yet, pending / too_few.

    Unknown is not zero and unfinished is not failing: a period not yet over or a cohort
    still maturing (`unfinished`) is pending; a rate or an average (`sampled`) on fewer
    than SMALL_SAMPLE records is too_few (the caller shows the count). Only then is the
    value judged: the reference is the target when there is one, otherwise the edge of
    the benchmark band a company must reach (its low end when higher is better, its high
    end when lower is better). Reaching it is on target; missing it by at most 10% of
    the reference is at risk; by more, off target. No value or no reference: no status.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    reference = target
    if reference is None:
        reference = benchmark_low if direction == "higher" else benchmark_high
    if reference is None:
        return None
    if unfinished:
        return "pending"
    if sampled and sample_size is not None and sample_size < SMALL_SAMPLE:
        return "too_few"
    margin = abs(reference) * AT_RISK_TOLERANCE
    if direction == "higher":
        if value >= reference:
            return "on_target"
        return "at_risk" if value >= reference - margin else "off_target"
    if value <= reference:
        return "on_target"
    return "at_risk" if value <= reference + margin else "off_target"


def forecast_accuracy(forecast, actual):
    """1 − |actual − forecast| ÷ forecast (SPEC §3.2): 100% is a perfect forecast.

    Undefined (None) without a positive forecast. The one definition, for plain numbers
    (the KPI) and for Ibis columns (the forecast report's table).
    """
    import ibis
    import ibis.expr.types as ir

    if isinstance(forecast, ir.Value):
        return ibis.cases((forecast > 0, 1 - (actual - forecast).abs() / forecast), else_=None)
    if forecast is None or actual is None or forecast <= 0:
        return None
    return 1 - abs(actual - forecast) / forecast


def rank_value(value: float | None, ci_low: float | None) -> float | None:
    """What a largest-first ranking orders by: for a rate, the value it is at least (the
    low end of its 95% interval), so 2 won of 2 (Wilson 34%–100%) ranks below 40 of 50
    (67%–88%); other values as they are."""
    if value is None:
        return None
    return ci_low if ci_low is not None else value
