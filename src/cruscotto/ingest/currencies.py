"""Saying at import time when amounts arrive in a currency the KPIs cannot convert.

Amounts are stored in their own currency and converted to the base currency with
`fx_rates` when a KPI is computed. A file in US dollars imported into a company whose base
currency is EUR, with no USD rate, would load fine and then fail every money KPI later;
so the import itself names the currency and the two ways out: make it the base currency
(`cruscotto config set base_currency USD`) or import its rates. Only records that have an
amount count: a file whose amounts are all empty (Olist's deals) needs no rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from cruscotto.ingest.report import CurrencyNote
from cruscotto.ingest.transform import AMOUNT_COLUMNS, Prepared
from cruscotto.warehouse import Warehouse


def currency_notes(
    warehouse: Warehouse, batch: Iterable[Prepared], base: str
) -> list[CurrencyNote]:
    """A note per currency other than `base` that the valid rows of `batch` bring amounts
    in and for which neither the database nor the batch has any rate."""
    batch = list(batch)
    amounts: Counter[str] = Counter()
    files: dict[str, list[str]] = {}
    arriving_rates: set[str] = set()
    for prepared in batch:
        frame = prepared.frame.loc[~prepared.bad.to_numpy()]
        if prepared.table.name == "fx_rates":
            arriving_rates |= set(frame["currency"].dropna())
            continue
        money = [c for c in AMOUNT_COLUMNS if c in frame.columns and c in prepared.labels]
        if "currency" not in frame.columns or not money:
            continue
        with_amount = frame[money].notna().any(axis=1)
        for currency, n in frame.loc[with_amount, "currency"].value_counts().items():
            if currency != base:
                amounts[currency] += int(n)
                files.setdefault(currency, []).append(prepared.file)
    if not amounts:
        return []
    with warehouse.lock:
        stored_rates = _stored_rate_currencies(warehouse)
        first = not _has_amounts(warehouse)
    first_import = first and len(amounts) == 1
    return [
        CurrencyNote(currency, base, n, sorted(set(files[currency])), first_import)
        for currency, n in sorted(amounts.items())
        if currency not in stored_rates | arriving_rates
    ]


def _stored_rate_currencies(warehouse: Warehouse) -> set[str]:
    if "fx_rates" not in warehouse.con.list_tables():
        return set()
    rates = warehouse.con.table("fx_rates")
    return set(rates.select("currency").distinct().execute()["currency"].dropna())


def _has_amounts(warehouse: Warehouse) -> bool:
    """Whether any record stored so far has an amount (then the base currency is settled)."""
    existing = set(warehouse.con.list_tables())
    for name, column in (("opportunities", "amount"), ("invoices", "amount"), ("contracts", "mrr")):
        if name in existing:
            table = warehouse.con.table(name)
            if int(table.filter(table[column].notnull()).count().execute()):
                return True
    return False
