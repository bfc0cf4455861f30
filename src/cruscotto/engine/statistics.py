"""Statistics on KPI values: confidence intervals for rates, status against targets."""

from __future__ import annotations

import math

# Two-sided 95%: the normal quantile 1.959964…
Z_95 = 1.959963984540054

# A value within this fraction of its target is "at risk" rather than "off target".
AT_RISK_TOLERANCE = 0.10


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
) -> str | None:
    """on_target / at_risk / off_target against the target, else the benchmark band.

    The reference is the target when there is one; otherwise the edge of the benchmark band
    a company must reach (its low end when higher is better, its high end when lower is
    better). Reaching the reference is on target; missing it by at most 10% of the reference
    is at risk; missing it by more is off target. No value or no reference: no status.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    reference = target
    if reference is None:
        reference = benchmark_low if direction == "higher" else benchmark_high
    if reference is None:
        return None
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
