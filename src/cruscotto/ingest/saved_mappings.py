"""Mappings a user made in the browser's column mapper, kept in the database by name.

They are stored in the `saved_mappings` table (not a folder) so that every web server
and the CLI over the same database see them, they roll back with the transaction that
saves them, and each save is in the audit trail. The stored text is the same YAML as a
mapping file (docs/import.md), so `cruscotto mapping export NAME` style use is a copy.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import yaml

from cruscotto import audit
from cruscotto.ingest.importer import known_keys
from cruscotto.ingest.mapping import Mapping, mapping_from_data
from cruscotto.ingest.readers import SourceTable
from cruscotto.ingest.report import ImportFileError, Reject
from cruscotto.ingest.transform import Prepared, Settings, prepare
from cruscotto.ingest.upsert import upsert
from cruscotto.ingest.validate import check_foreign_keys, check_rows
from cruscotto.model import Column, Table
from cruscotto.warehouse import Warehouse, conform

C = Column
SAVED_MAPPINGS = Table(
    "saved_mappings",
    "A mapping made in the browser's column mapper, kept for the next imports.",
    (
        C("name", "string", "Name the user gave it", nullable=False),
        C("table_name", "string", "Canonical table it loads", nullable=False),
        C("definition", "string", "The mapping, as the YAML of a mapping file", nullable=False),
        C("saved_by", "string", "Who saved it", nullable=False),
        C("saved_at", "timestamp", "When (UTC)", nullable=False),
    ),
    primary_key=("name",),
)
NAME = re.compile(r"[\w][\w .\-]{0,63}")


def build(name: str, table: str, columns: dict[str, str], date_order: str | None = None) -> Mapping:
    """A mapping from the mapper's choices: canonical column -> header ("" = not mapped)."""
    chosen = {c: {"column": h} for c, h in columns.items() if h}
    data = {"name": name, "table": table, "columns": chosen, "source": "generic"}
    if date_order:
        data["date_order"] = date_order
    return mapping_from_data(data, where=f"mapping {name}")


def preview(
    warehouse: Warehouse,
    source: SourceTable,
    mapping: Mapping,
    settings: Settings,
    rows: int = 10,
) -> tuple[pd.DataFrame, list[Reject], Prepared]:
    """The first `rows` records as they would land, and every row the import would
    refuse (types, required values, allowed values, references to records the database
    does not hold), without writing anything."""
    prepared = prepare(source, mapping, settings)
    check_rows(prepared)
    with warehouse.lock:
        known = known_keys(warehouse, [prepared], [])
    check_foreign_keys(prepared, known)
    landed = prepared.frame.loc[~prepared.bad.to_numpy()].head(rows)
    return landed, prepared.rejects, prepared


def save(warehouse: Warehouse, mapping: Mapping, username: str, address: str | None) -> None:
    """Store `mapping` under its name (replacing one of the same name), audited."""
    if not NAME.fullmatch(mapping.name):
        raise ImportFileError(f"invalid name {mapping.name!r}: letters, digits, spaces, . - _")
    definition = yaml.safe_dump(
        mapping.model_dump(exclude_defaults=True, exclude_none=True),
        sort_keys=False,
        allow_unicode=True,
    )
    row = {
        "name": mapping.name,
        "table_name": mapping.table,
        "definition": definition,
        "saved_by": username,
        "saved_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    warehouse.ensure_tables([SAVED_MAPPINGS])
    before = stored_text(warehouse, mapping.name)
    with warehouse.transaction(app_state=True):  # a mapping is read by imports, not KPIs
        data = conform(SAVED_MAPPINGS, pd.DataFrame([row]))
        upsert(warehouse, SAVED_MAPPINGS, data, observed_at=row["saved_at"])
        audit.record(
            warehouse,
            username=username,
            action="mapping.save",
            target=mapping.name,
            before=before,
            after=definition,
            address=address,
        )


def stored_text(warehouse: Warehouse, name: str) -> str | None:
    if SAVED_MAPPINGS.name not in warehouse.con.list_tables():
        return None
    table = warehouse.con.table(SAVED_MAPPINGS.name)
    found = warehouse.execute(table.filter(table.name == name).select("definition"))
    return None if found.empty else str(found["definition"].iloc[0])


def load(warehouse: Warehouse, name: str) -> Mapping:
    text = stored_text(warehouse, name)
    if text is None:
        raise ImportFileError(f"no saved mapping named {name!r}")
    return mapping_from_data(yaml.safe_load(text), where=f"saved mapping {name}")


def listing(warehouse: Warehouse) -> list[dict]:
    """Name, table, who saved it and when, newest first."""
    if SAVED_MAPPINGS.name not in warehouse.con.list_tables():
        return []
    table = warehouse.con.table(SAVED_MAPPINGS.name)
    frame = warehouse.execute(
        table.select("name", "table_name", "saved_by", "saved_at").order_by(table.saved_at.desc())
    )
    return frame.to_dict("records")
