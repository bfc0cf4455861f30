"""cruscotto.yaml is checked on load, and one function changes a company setting."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cruscotto import audit
from cruscotto.cli import app
from cruscotto.settings import SettingsError, load_company, read_config, save_company_setting
from cruscotto.warehouse import connect


def write(tmp_path, text: str):
    file = tmp_path / "cruscotto.yaml"
    file.write_text(text, encoding="utf-8")
    return file


def test_base_currency_at_the_top_level_is_an_error_naming_where_it_belongs(tmp_path):
    # Before: read and silently ignored, so the company stayed in EUR.
    file = write(tmp_path, "base_currency: USD\n")
    with pytest.raises(SettingsError) as raised:
        load_company(file)
    error = raised.value
    assert (error.key, error.problem, error.belongs) == ("base_currency", "misplaced", "company")
    assert "belongs under `company:`" in str(error) and str(file) in str(error)


def test_unknown_keys_are_named_with_a_guess(tmp_path):
    with pytest.raises(
        SettingsError, match=r"`base_curency` under `company:`; did you mean `base_currency`"
    ):
        load_company(write(tmp_path, "company:\n  base_curency: USD\n"))
    with pytest.raises(SettingsError, match=r"unknown setting `kpi` at the top level.*`kpis`"):
        read_config(write(tmp_path, "kpi: {}\n"))
    with pytest.raises(SettingsError, match=r"company\.kpis.*top level"):
        read_config(write(tmp_path, "company:\n  kpis: {}\n"))


def test_wrong_values_name_the_key(tmp_path):
    with pytest.raises(SettingsError, match=r"company\.base_currency = 'XYZ'.*ISO 4217"):
        load_company(write(tmp_path, "company:\n  base_currency: XYZ\n"))
    with pytest.raises(SettingsError, match=r"company\.fiscal_year_start_month = 13"):
        load_company(write(tmp_path, "company:\n  fiscal_year_start_month: 13\n"))


def test_save_changes_one_line_and_keeps_the_rest(tmp_path):
    file = write(
        tmp_path,
        "# our company\ncompany:\n    name: Acme  # shown in the header\n"
        "    base_currency: EUR   # converted with fx_rates\nkpis: {}\n",
    )
    before, settings = save_company_setting("base_currency", "usd", file)
    assert (before, settings.base_currency) == ("EUR", "USD")
    assert file.read_text() == (
        "# our company\ncompany:\n    name: Acme  # shown in the header\n"
        "    base_currency: USD   # converted with fx_rates\nkpis: {}\n"
    )
    # A setting not written yet is added under company:, with the block's indentation,
    # and stored as its type (the month is the number 4, not the text "4").
    save_company_setting("fiscal_year_start_month", "4", file)
    assert "    fiscal_year_start_month: 4\n" in file.read_text()
    assert load_company(file).fiscal_year_start_month == 4


def test_save_refuses_bad_values_and_leaves_the_file_alone(tmp_path):
    file = write(tmp_path, "company:\n  base_currency: EUR\n")
    with pytest.raises(SettingsError, match="ISO 4217"):
        save_company_setting("base_currency", "dollars", file)
    with pytest.raises(SettingsError, match="unknown setting `base_curency`"):
        save_company_setting("base_curency", "USD", file)
    assert file.read_text() == "company:\n  base_currency: EUR\n"


def test_save_creates_the_file_and_records_the_audit(tmp_path):
    file = tmp_path / "new.yaml"
    warehouse = connect(str(tmp_path / "db.duckdb"))
    save_company_setting("timezone", "America/Sao_Paulo", file, warehouse=warehouse, username="ann")
    assert load_company(file).timezone == "America/Sao_Paulo"
    [entry] = audit.entries(warehouse)
    assert (entry.username, entry.action, entry.target) == (
        "ann",
        "settings.set",
        "company.timezone",
    )
    assert (entry.before, entry.after) == ("Europe/Rome", "America/Sao_Paulo")


def test_config_set_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["config", "set", "base_currency", "USD"])
    assert result.exit_code == 0, result.output
    assert load_company().base_currency == "USD"
    assert not (tmp_path / "cruscotto.duckdb").exists()  # no database made for a setting
    bad = runner.invoke(app, ["config", "set", "base_currency", "Dollars"])
    assert bad.exit_code == 1 and "ISO 4217" in bad.output
    shown = runner.invoke(app, ["config", "show"])
    assert "company.base_currency: 'USD'" in shown.output
