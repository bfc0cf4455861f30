"""New companies: prospects from leads, and the customers signed before the window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.run import Run


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
    segment = co.pick(rng, co.SEGMENT_SHARE, n) if segment is None else segment
    country = co.pick(rng, co.COUNTRY_SHARE, n) if country is None else country
    size_band = np.asarray(co.SEGMENT_SIZE_BANDS)[segment, rng.integers(0, 2, n)]
    legal_form = np.asarray(co.COUNTRY_LEGAL_FORM)[country]
    legal_form = np.where(country == 0, rng.choice(3, n, p=[0.7, 0.2, 0.1]), legal_form)
    name = pc.binary_join_element_wise(
        col.labels(co.COMPANY_WORDS, rng.integers(0, len(co.COMPANY_WORDS), n)),
        col.labels(co.COMPANY_KINDS, rng.integers(0, len(co.COMPANY_KINDS), n)),
        col.labels(co.LEGAL_FORMS, legal_form),
        " ",
    )
    if names is not None:
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
