"""The canonical model is self-consistent and its reference page is generated from it."""

from pathlib import Path

from cruscotto.model import BY_NAME, TABLES, reference_page

SPEC_TABLES = {
    "reps", "accounts", "leads", "opportunities", "stage_history", "activities", "quotes",
    "tickets", "surveys", "contracts", "invoices", "campaigns", "list_events", "projects",
    "tasks", "timesheets", "financials", "forecasts", "mentions", "fx_rates",
}  # fmt: skip


def test_every_spec_table_is_declared_once():
    assert {t.name for t in TABLES} == SPEC_TABLES
    assert len(TABLES) == len(SPEC_TABLES)


def test_every_foreign_key_points_at_a_declared_key():
    for declared in TABLES:
        for column in declared.foreign_keys:
            target = BY_NAME[column.references.table]
            assert target.primary_key == (column.references.column,), (declared.name, column.name)
            assert target.column(column.references.column).type == column.type


def test_every_table_has_a_key_and_its_key_is_required():
    for declared in TABLES:
        assert declared.primary_key, declared.name
        for name in declared.primary_key:
            assert not declared.column(name).nullable, (declared.name, name)


def test_temporal_pairs_are_dates_or_timestamps():
    for declared in TABLES:
        for earlier, later in declared.temporal_order:
            assert declared.column(earlier).type in ("date", "timestamp")
            assert declared.column(later).type in ("date", "timestamp")


def test_reference_page_is_generated_from_the_declarations():
    committed = Path(__file__).parents[2] / "docs" / "data-model.md"
    assert committed.read_text(encoding="utf-8") == reference_page.render(), (
        "docs/data-model.md is stale: run `cruscotto db docs`"
    )
