"""The checks the data model declares: required, allowed values, bounds, temporal order,
unique keys and foreign keys (against the database and the rest of the same import).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cruscotto.ingest.transform import Prepared


def _shown(values: pd.Series) -> pd.Series:
    return values.astype(str)


def check_rows(prepared: Prepared) -> None:
    """Required, allowed values, minimum/maximum and temporal order, row by row."""
    frame, declared = prepared.frame, prepared.table
    for column in declared.columns:
        values = frame[column.name]
        present = values.notna()
        update_only = prepared.mapping.update_only and column.name not in prepared.labels
        if not column.nullable and not update_only:
            # A cell that failed to convert is already rejected; do not report it twice.
            missing = ~present & ~prepared.bad
            prepared.reject(missing, column.name, f"{column.name}: required, but empty")
        if column.allowed:
            outside = present & ~values.isin(column.allowed)
            if outside.any():
                allowed = ", ".join(column.allowed)
                prepared.reject(
                    outside,
                    column.name,
                    f"{column.name}: " + _shown(values) + f" is not one of {allowed}",
                )
        if column.minimum is not None:
            below = present & (pd.to_numeric(values, errors="coerce") < column.minimum)
            prepared.reject(below, column.name, f"{column.name}: below {column.minimum:g}")
        if column.maximum is not None:
            above = present & (pd.to_numeric(values, errors="coerce") > column.maximum)
            prepared.reject(above, column.name, f"{column.name}: above {column.maximum:g}")
    for earlier, later in declared.temporal_order:
        a, b = frame[earlier], frame[later]
        wrong = a.notna() & b.notna() & (b < a)
        if not wrong.any():
            continue
        prepared.reject(
            wrong,
            later,
            f"{later} (" + _shown(b) + f") is before {earlier} (" + _shown(a) + ")",
        )


def stored_order_pairs(prepared: Prepared) -> list[tuple[str, str]]:
    """The (earlier, later) pairs where this update-only file gives one side and the
    stored record holds the other."""
    if not prepared.mapping.update_only:
        return []
    given = set(prepared.labels)
    return [(a, b) for a, b in prepared.table.temporal_order if (a in given) != (b in given)]


def warn_stored_order(prepared: Prepared, stored: pd.DataFrame, shown: int = 5) -> None:
    """Warn about rows whose event falls before the stored record's start, or after its
    end (a lead converted before it was created).

    The rule (docs/import.md, "Consistency"): a row that contradicts itself is refused;
    a file that dates an event of a record another file created is imported and the
    disagreement named, since neither source is known to be the wrong one (data health
    keeps counting such records under "dates out of order").
    """
    key = prepared.table.primary_key[0]
    frame = prepared.frame.assign(row_=prepared.rows)[~prepared.bad.to_numpy()]
    joined = frame.merge(stored, on=key, how="inner", suffixes=("", "__stored"))
    given = set(prepared.labels)
    for earlier, later in stored_order_pairs(prepared):
        a = joined[earlier if earlier in given else f"{earlier}__stored"]
        b = joined[later if later in given else f"{later}__stored"]
        wrong = joined[a.notna() & b.notna() & (b < a)]
        if wrong.empty:
            continue
        examples = "; ".join(
            f"row {r.row_} ({getattr(r, key)}: {later} {b[i]}, {earlier} {a[i]})"
            for i, r in zip(wrong.index[:shown], wrong.head(shown).itertuples(), strict=True)
        )
        more = f" and {len(wrong) - shown} more" if len(wrong) > shown else ""
        prepared.warnings.append(
            f"{len(wrong):,} rows give {later} before the stored {earlier} "
            f"(imported, and counted in data health): {examples}{more}"
        )


def check_unique_keys(batch: list[Prepared]) -> None:
    """A key may appear once per import: later repeats are refused, naming the first row."""
    if not batch:
        return
    keys = list(batch[0].table.primary_key)
    parts = []
    for number, prepared in enumerate(batch):
        part = prepared.frame.loc[~prepared.bad.to_numpy(), keys].copy()
        part["file_"] = number
        part["row_"] = prepared.rows[~prepared.bad.to_numpy()]
        part["index_"] = part.index
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    repeated = rows.duplicated(keys, keep="first")
    if not repeated.any():
        return
    firsts = rows[~repeated].rename(columns={"file_": "first_file_", "row_": "first_row_"})
    clashes = rows[repeated].merge(firsts[[*keys, "first_file_", "first_row_"]], on=keys)
    for number, prepared in enumerate(batch):
        mine = clashes[clashes["file_"] == number]
        if mine.empty:
            continue
        mask = pd.Series(False, index=prepared.frame.index)
        reasons = pd.Series("", index=prepared.frame.index, dtype=object)
        for record in mine.itertuples(index=False):
            first_file = batch[record.first_file_].file
            where = f"row {record.first_row_}"
            if record.first_file_ != number:
                where += f" of {first_file}"
            key = ", ".join(str(getattr(record, k)) for k in keys)
            mask[record.index_] = True
            reasons[record.index_] = f"duplicate key {key}: already on {where}"
        prepared.reject(mask, keys[0], reasons)


def check_updates_exist(prepared: Prepared, known: set) -> None:
    """An update-only file may only touch records that are stored or arriving now."""
    key = prepared.table.primary_key[0]
    values = prepared.frame[key]
    missing = ~prepared.bad & values.notna() & ~values.isin(known)
    if missing.any():
        prepared.reject(
            missing,
            key,
            f"{key}: " + _shown(values) + f" is not in {prepared.table.name}; "
            "an update-only mapping cannot create it",
        )


def check_foreign_keys(prepared: Prepared, known: Mapping[str, set[str]]) -> None:
    """Each reference must name a record in the database or elsewhere in this import.

    `known` maps "table.column" to the keys available for it.
    """
    for column in prepared.table.foreign_keys:
        target = str(column.references)
        values = prepared.frame[column.name]
        present = values.notna() & ~prepared.bad
        if not present.any():
            continue
        available = known.get(target, set())
        orphan = present & ~values.isin(available)
        if not orphan.any():
            continue
        referenced = column.references.table
        prepared.reject(
            orphan,
            column.name,
            f"{column.name}: " + _shown(values) + f" is not in {referenced} "
            f"(import the {referenced} first, or in the same command)",
        )
