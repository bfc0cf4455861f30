"""New companies: prospects from leads, and the customers signed before the window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.run import Run

# Planted on purpose (docs/demo-company.md): a few prospects come back through a new lead
# and are typed in again, in capitals, as a second account; data health counts them as
# "rows with the same name". About one account in a thousand.
RETYPED_SHARE = 0.001
# Every combination of first word, trade and tag, visited in a scattered order: the step
# shares no factor with their count, so no two accounts below it share a name.
_PREFIXES = co.COMPANY_WORDS + co.LAST_NAMES
_COMBINATIONS = len(_PREFIXES) * len(co.COMPANY_KINDS) * len(co.NAME_TAGS)
_STEP = 20_011


def company_names(numbers: np.ndarray) -> np.ndarray:
    """A distinct name for each account number ("Garda Meccanica Nova"), without the legal
    form: a pure function of the number."""
    numbers = np.asarray(numbers, dtype=np.int64)
    combination = (numbers * _STEP) % _COMBINATIONS
    prefix, rest = np.divmod(combination, len(co.COMPANY_KINDS) * len(co.NAME_TAGS))
    kind, tag = np.divmod(rest, len(co.NAME_TAGS))
    words = [np.asarray(_PREFIXES)[prefix], np.asarray(co.COMPANY_KINDS)[kind]]
    names = _joined(*words, np.asarray(co.NAME_TAGS)[tag])
    # Past every combination (scale 1.5 and up), a town and then a number keep them apart.
    cycle = numbers // _COMBINATIONS
    towns = np.asarray(co.NAME_TOWNS)[(cycle - 1) % len(co.NAME_TOWNS)]
    names = np.where(cycle > 0, _joined(names, towns), names)
    laps = (cycle - 1) // len(co.NAME_TOWNS)
    return np.where(laps > 0, _joined(names, laps.astype(str)), names)


def _joined(*parts: np.ndarray) -> np.ndarray:
    joined = parts[0].astype(object)
    for part in parts[1:]:
        joined = joined + " " + part.astype(object)
    return joined


@dataclass(frozen=True)
class Accounts:
    numbers: np.ndarray
    segment: np.ndarray
    country: np.ndarray

    @property
    def currency(self) -> np.ndarray:
        return co.COUNTRY_CURRENCY[self.country]


def create(
    run: Run,
    rng: np.random.Generator,
    created: np.ndarray,
    channel: np.ndarray,
    owner: np.ndarray,
    *,
    segment: np.ndarray | None = None,
    country: np.ndarray | None = None,
    names: list[str] | None = None,
) -> Accounts:
    """Draw `len(created)` companies, write them to `accounts` and return their profile."""
    n = len(created)
    numbers = run.numbering.take("account", n)
    segment = co.pick(rng, co.SEGMENT_SHARE, n) if segment is None else np.array(segment)
    country = co.pick(rng, co.COUNTRY_SHARE, n) if country is None else np.array(country)
    size_band = np.asarray(co.SEGMENT_SIZE_BANDS)[segment, rng.integers(0, 2, n)]
    legal_form = np.asarray(co.COUNTRY_LEGAL_FORM)[country]
    legal_form = np.where(country == 0, rng.choice(3, n, p=[0.7, 0.2, 0.1]), legal_form)
    if names is None:
        names = _joined(company_names(numbers), np.asarray(co.LEGAL_FORMS)[legal_form])
        # The retyped companies: an earlier one of the same batch, typed again.
        retyped = np.nonzero(rng.random(n) < RETYPED_SHARE)[0]
        retyped = retyped[retyped > 0]
        first = (rng.random(len(retyped)) * retyped).astype(np.int64)
        for again, original in zip(retyped, first, strict=True):
            names[again] = names[original].upper()
        segment[retyped], country[retyped] = segment[first], country[first]
        size_band[retyped] = size_band[first]
    name = pa.array(names, pa.string())
    run.sink.write(
        "accounts",
        pa.table(
            {
                "account_id": col.ids("A", numbers),
                "name": name,
                "industry": col.labels(co.INDUSTRIES, rng.integers(0, len(co.INDUSTRIES), n)),
                "segment": col.labels(co.SEGMENTS, segment),
                "size_band": col.labels(co.SIZE_BANDS, size_band),
                "country": col.labels(co.COUNTRIES, country),
                "acquisition_channel": col.labels(co.CHANNEL_NAMES, channel),
                "owner_id": col.ids("R", owner),
                "created_at": col.timestamps(created),
            }
        ),
    )
    return Accounts(numbers, segment, country)
