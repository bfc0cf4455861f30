"""The warehouse creates the declared schema and loads all or nothing, on every engine."""

import pandas as pd
import pytest

from cruscotto.model import TABLES, table
from cruscotto.warehouse import WarehouseError, conform, connect, resolve_url


def _reps(*ids: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_id": list(ids),
            "name": [f"Rep {i}" for i in ids],
            "email": [None] * len(ids),
            "team": ["North"] * len(ids),
            "role": ["ae"] * len(ids),
            "active": [True] * len(ids),
            "capacity_hours_per_day": [8.0] * len(ids),
        }
    )


def test_schema_matches_the_declarations(warehouse):
    for declared in TABLES:
        stored = warehouse.table(declared.name).schema()
        assert list(stored.names) == declared.column_names
        for column in declared.columns:
            assert type(stored[column.name]) is type(column.ibis_type), (declared.name, column.name)


def test_load_appends_and_replaces(warehouse):
    assert warehouse.load({"reps": _reps("r1", "r2")}) == {"reps": 2}
    warehouse.load({"reps": _reps("r3")})
    assert warehouse.row_counts()["reps"] == 3
    warehouse.load({"reps": _reps("r9")}, replace=True)
    assert warehouse.table("reps").rep_id.to_pyarrow().to_pylist() == ["r9"]


def test_a_failure_inside_a_transaction_leaves_the_database_as_it_was(warehouse):
    warehouse.load({"reps": _reps("r1")})
    with pytest.raises(RuntimeError, match="crash mid-load"), warehouse.transaction():
        warehouse.append("reps", conform(table("reps"), _reps("r2", "r3")))
        raise RuntimeError("crash mid-load")
    assert warehouse.row_counts()["reps"] == 1


def test_a_bad_frame_in_a_multi_table_load_writes_nothing(warehouse):
    broken_accounts = pd.DataFrame({"account_id": ["a1"]})  # most columns missing
    with pytest.raises(WarehouseError, match="accounts: missing columns"):
        warehouse.load({"reps": _reps("r1"), "accounts": broken_accounts})
    assert warehouse.row_counts()["reps"] == 0


def test_database_url_resolution(monkeypatch):
    monkeypatch.delenv("CRUSCOTTO_DB", raising=False)
    assert resolve_url() == "duckdb://cruscotto.duckdb"
    monkeypatch.setenv("CRUSCOTTO_DB", "/data/acme.duckdb")
    assert resolve_url() == "duckdb:///data/acme.duckdb"
    assert resolve_url("postgresql://u:p@h:5432/db") == "postgres://u:p@h:5432/db"


def test_appending_on_duckdb_keeps_no_copy_of_the_rows(duckdb_warehouse):
    # Ibis's own insert registers each Arrow table as a temporary view that is never
    # dropped (memory grows with every append); Warehouse.append must not.
    def views() -> list:
        sql = "SELECT view_name FROM duckdb_views() WHERE NOT internal"
        return duckdb_warehouse.con.con.sql(sql).fetchall()

    before = views()
    duckdb_warehouse.load({"reps": _reps("r1", "r2")})
    duckdb_warehouse.append("reps", conform(table("reps"), _reps("r3")))
    assert views() == before
    stored = duckdb_warehouse.table("reps").rep_id.to_pyarrow().to_pylist()
    assert sorted(stored) == ["r1", "r2", "r3"]


def test_append_puts_columns_in_place_whatever_their_order(duckdb_warehouse):
    data = conform(table("reps"), _reps("r1"))
    duckdb_warehouse.append("reps", data.select(list(reversed(data.column_names))))
    row = duckdb_warehouse.execute(duckdb_warehouse.table("reps")).iloc[0]
    assert (row["rep_id"], row["team"], row["capacity_hours_per_day"]) == ("r1", "North", 8.0)


def test_a_duckdb_file_opened_read_only_can_be_read_by_two_at_once(tmp_path):
    path = str(tmp_path / "shared.duckdb")
    writer = connect(path)
    writer.load({"reps": _reps("r1", "r2")})
    writer.close()
    first, second = connect(path, read_only=True), connect(path, read_only=True)
    assert first.row_counts()["reps"] == second.row_counts()["reps"] == 2
    with pytest.raises(Exception, match="read-only"):
        first.load({"reps": _reps("r3")})
    first.close()
    second.close()


def test_app_tables_are_looked_up_once_not_on_every_page(duckdb_warehouse, monkeypatch):
    """A page's menu asks for the alert tables on every request: once an app table is
    known to exist, neither the database's table list nor its schema is read again; a
    migration (`app_columns_changed`) makes the schema be read anew."""
    from cruscotto.model import Column, Table

    notes = Table("test_notes", "A note.", (Column("text", "string", "The note"),))
    duckdb_warehouse.ensure_tables([notes])
    first = duckdb_warehouse.app_table(notes)
    con = duckdb_warehouse.con
    reads = {"list_tables": 0, "table": 0}
    for name in reads:
        original = getattr(con, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            reads[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(con, name, counted)
    duckdb_warehouse.ensure_tables([notes])
    assert duckdb_warehouse.app_table(notes) is first
    assert reads == {"list_tables": 0, "table": 0}
    duckdb_warehouse.app_columns_changed()
    assert duckdb_warehouse.app_table(notes).columns == ("text",)
    assert reads == {"list_tables": 0, "table": 1}
