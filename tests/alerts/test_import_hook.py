"""An import evaluates the alert rules: an import with refused rows fires at once."""

from __future__ import annotations

from typer.testing import CliRunner

from cruscotto.alerts import store
from cruscotto.alerts.rules import Rule, RuleStore
from cruscotto.api import engine_for
from cruscotto.cli import app
from cruscotto.warehouse import connect

BAD = '"Record ID","Deal Name","Deal Stage","Create Date","Amount"\n'


def test_an_import_with_rejects_fires_the_import_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no cruscotto.yaml: the built-in defaults apply
    db = tmp_path / "c.duckdb"
    path = tmp_path / "deals.csv"
    path.write_text(
        BAD + '"1","x","Contract Sent","2026-01-01","abc"\n"2","y","S","2026-01-01","5"\n'
    )
    runner = CliRunner()
    # Without any rule yet, an import evaluates nothing (and says nothing about alerts).
    first = runner.invoke(app, ["--db", str(db), "import", str(path), "--allow-partial"])
    assert first.exit_code == 0 and "alerts:" not in first.output
    warehouse = connect(str(db))
    RuleStore(warehouse, engine_for(warehouse).catalog).save(
        Rule(name="Rejects", kind="import_rejects", recipients=("role:admin",)), username="ann"
    )
    warehouse.close()
    second = runner.invoke(app, ["--db", str(db), "import", str(path), "--allow-partial"])
    assert second.exit_code == 0, second.output
    # Both imports refused the row with "abc" as amount: one alert per file and import.
    assert "alerts: 2 hold, 2 sent now" in second.output
    warehouse = connect(str(db))
    fired = store.firings(warehouse)
    assert {f.kind for f in fired} == {"import_rejects"}
    assert [f.numbers["rejected"] for f in fired] == [1, 1]
    warehouse.close()
