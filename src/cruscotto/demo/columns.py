"""Turning the generator's numpy arrays into Arrow columns of the declared types.

The generator works on integers throughout (record numbers, seconds since the epoch,
indexes into label tuples) because numpy is fast on them; strings, timestamps and
dates are only materialised here, once per chunk, with Arrow's vectorised kernels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Record numbers are printed with this many digits: enough for scale 100 and beyond.
ID_DIGITS = 8


def _mask(valid: np.ndarray | None) -> np.ndarray | None:
    return None if valid is None else ~np.asarray(valid, dtype=bool)


def ids(prefix: str, numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Identifiers such as `L00000042` for record numbers (null where not `valid`)."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), ID_DIGITS, "0"
    )
    joined = pc.binary_join_element_wise(prefix, digits, "")
    if valid is None:
        return joined
    return pc.if_else(
        pa.array(np.asarray(valid, dtype=bool)), joined, pa.nulls(len(joined), pa.string())
    )


def labels(names: Sequence[str], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """The label `names[i]` for each index `i` (null where not `valid`)."""
    positions = pa.array(np.asarray(index, dtype=np.int64), mask=_mask(valid))
    return pa.array(list(names), pa.string()).take(positions)


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps from seconds since the epoch (null where not `valid`)."""
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    return pa.array(values, mask=_mask(valid)).cast(pa.timestamp("us"))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Calendar dates from day numbers (days since 1970-01-01, see `Timeline.local_day`)."""
    days = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return pa.array(days, mask=_mask(valid)).cast(pa.date32())


def numbers(
    values: np.ndarray, valid: np.ndarray | None = None, *, decimals: int | None = 2
) -> pa.Array:
    """Floats (rounded to cents by default), null where not `valid`."""
    values = np.asarray(values, dtype=np.float64)
    if decimals is not None:
        values = np.round(values, decimals)
    return pa.array(values, mask=_mask(valid))


def integers(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=_mask(valid))


def booleans(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), mask=_mask(valid))
