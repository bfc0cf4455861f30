"""Campaigns and their spend, the mailing lists, brand mentions, and the fx rates table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.run import MARKETING, Run
from cruscotto.demo.timeline import AUGUST_WEIGHT, DAY

LISTS = ("newsletter", "webinar-invitations")
SUBSCRIBES_PER_DAY = (14.0, 6.0)  # at scale 1, on an average working day
UNSUBSCRIBES_PER_DAY = (4.0, 2.5)
MENTIONS_PER_DAY = (6.0, 9.0, 6.0, 4.0)  # own brand, then each competitor
OWN_MENTIONS_GROWTH = 0.5  # the own brand is talked about 50% more by today
PAID_SEARCH_SPEND_GROWTH = 0.4  # paid search costs more and more while converting less


def campaign_numbers(channel: np.ndarray, month: int, n_months: int) -> np.ndarray:
    """The monthly campaign that fed each lead of `month` (0 for channels without one)."""
    slot = np.zeros(len(co.CHANNELS), dtype=np.int64)
    for position, index in enumerate(co.CAMPAIGN_CHANNELS):
        slot[index] = position * n_months + month + 1
    return np.where(slot[channel] > 0, slot[channel], 0)


def write_campaigns(run: Run) -> None:
    tl = run.timeline
    rng = run.rng(MARKETING, 0)
    rows: dict[str, list] = {k: [] for k in ("number", "name", "channel", "start", "end", "spend")}
    months = tl.n_months
    for index in co.CAMPAIGN_CHANNELS:
        channel = co.CHANNELS[index]
        for month in range(months):
            start = tl.month_starts[month]
            label = str(np.datetime64(int(tl.local_day(np.array([start]))[0]), "D"))[:7]
            growth = 1.0 + (PAID_SEARCH_SPEND_GROWTH if index == co.DEGRADING_CHANNEL else 0.1) * (
                month / (months - 1)
            )
            current = month == months - 1
            elapsed = (tl.cutoff - start) / (tl.month_starts[month + 1] - start) if current else 1
            rows["number"].append(campaign_numbers(np.array([index]), month, months)[0])
            rows["name"].append(f"{channel.campaign} {label}")
            rows["channel"].append(index)
            rows["start"].append(start)
            rows["end"].append(tl.month_starts[month + 1] - DAY // 2)
            # Campaigns pause with the market in August, as the leads do.
            quiet = AUGUST_WEIGHT if label.endswith("-08") else 1.0
            rows["spend"].append(
                channel.monthly_spend
                * run.scale
                * growth
                * elapsed
                * quiet
                * rng.uniform(0.85, 1.15)
            )
    ongoing = np.arange(len(rows["number"])) % months == months - 1
    run.sink.write(
        "campaigns",
        pa.table(
            {
                "campaign_id": col.ids("C", np.array(rows["number"])),
                "name": pa.array(rows["name"]),
                "channel": col.labels(co.CHANNEL_NAMES, np.array(rows["channel"])),
                "started_at": col.dates(tl.local_day(np.array(rows["start"]))),
                "ended_at": col.dates(tl.local_day(np.array(rows["end"])), ~ongoing),
                "spend": col.numbers(np.array(rows["spend"]), decimals=0),
                "currency": col.labels(co.CURRENCIES, np.zeros(len(ongoing))),
            }
        ),
    )


def _window_days(run: Run) -> np.ndarray:
    """Index (into the timeline's days) of every day from the window start to yesterday."""
    tl = run.timeline
    return np.nonzero((tl.day_starts >= tl.start) & (tl.day_starts < tl.cutoff))[0]


def _day_weight(run: Run, days: np.ndarray) -> np.ndarray:
    weight = np.diff(run.timeline.cumulative)[days]
    return weight / weight.mean()


def write_list_events(run: Run) -> None:
    rng = run.rng(MARKETING, 1)
    days = _window_days(run)
    weight = _day_weight(run, days)
    local_days = run.timeline.local_day(run.timeline.day_starts[days])
    frames = []
    for i, list_id in enumerate(LISTS):
        for event, per_day in (
            ("subscribe", SUBSCRIBES_PER_DAY),
            ("unsubscribe", UNSUBSCRIBES_PER_DAY),
        ):
            counts = rng.poisson(per_day[i] * run.scale * weight)
            frames.append(
                pa.table(
                    {
                        "occurred_at": col.dates(local_days),
                        "event": pa.array([event] * len(days)),
                        "list_id": pa.array([list_id] * len(days)),
                        "count": col.integers(counts),
                    }
                )
            )
    run.sink.write("list_events", pa.concat_tables(frames))


def write_mentions(run: Run) -> None:
    rng = run.rng(MARKETING, 2)
    tl = run.timeline
    days = _window_days(run)
    # Mentions follow the news cycle, not office hours: flatten the weekly rhythm a bit.
    weight = np.sqrt(_day_weight(run, days))
    growth = 1.0 + OWN_MENTIONS_GROWTH * tl.progress(tl.day_starts[days])
    frames = []
    for i, brand in enumerate((co.OWN_BRAND, *co.COMPETITORS)):
        rate = MENTIONS_PER_DAY[i] * run.scale * weight * (growth if i == 0 else 1.0)
        frames.append(
            pa.table(
                {
                    "measured_on": col.dates(tl.local_day(tl.day_starts[days])),
                    "brand": pa.array([brand] * len(days)),
                    "is_own": pa.array([i == 0] * len(days)),
                    "mentions": col.integers(rng.poisson(rate)),
                }
            )
        )
    run.sink.write("mentions", pa.concat_tables(frames))


def write_fx_rates(run: Run) -> None:
    tl = run.timeline
    days = _window_days(run)
    local = tl.local_day(tl.day_starts[days])
    k = len(co.CURRENCIES)
    run.sink.write(
        "fx_rates",
        pa.table(
            {
                "day": col.dates(np.tile(local, k)),
                "currency": col.labels(co.CURRENCIES, np.repeat(np.arange(k), len(days))),
                "rate_to_base": col.numbers(run.fx.per_day[:, days].ravel(), decimals=6),
            }
        ),
    )
