"""`cruscotto user …` and the demo logins that `cruscotto demo` creates."""

from __future__ import annotations

from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.cli.serve import create_demo_users, demo_settings, first_account_executive
from cruscotto.settings import load_company as load_settings
from cruscotto.warehouse import connect
from cruscotto.web.users import UserStore
from tests.web.data import load_company

runner = CliRunner()


def cli(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


def test_user_add_list_token_remove(tmp_path):
    db = str(tmp_path / "users.duckdb")
    added = cli(
        db,
        "user",
        "add",
        "ann",
        "--role",
        "manager",
        "--team",
        "North",
        "--team",
        "South",
        "--password",
        "a-long-password-9",
    )
    assert added.exit_code == 0, added.output
    listed = cli(db, "user", "list")
    assert "ann" in listed.output and "North, South" in listed.output
    token = cli(db, "user", "token", "ann").stdout.strip()
    wh = connect(db)
    assert UserStore(wh).user_for_token(token).username == "ann"
    wh.close()
    assert cli(db, "user", "remove", "ann").exit_code == 0
    assert "ann" not in cli(db, "user", "list").output


def test_user_add_explains_what_is_wrong(tmp_path):
    db = str(tmp_path / "users.duckdb")
    result = cli(db, "user", "add", "bob", "--role", "rep", "--password", "a-long-password-9")
    assert result.exit_code == 1
    assert "needs --rep-id" in result.output
    missing = cli(db, "user", "remove", "nobody")
    assert missing.exit_code == 1 and "no user named 'nobody'" in missing.output


def test_demo_users_one_per_role_bound_to_the_first_account_executive(tmp_path):
    wh = connect(str(tmp_path / "demo.duckdb"))
    load_company(wh)
    # r1 Anna is the first active AE by rep_id, in team North
    assert first_account_executive(wh) == ("r1", "North")
    logins = create_demo_users(wh)
    assert [(u, role) for u, _, role, _ in logins] == [
        ("admin", "admin"),
        ("manager", "manager"),
        ("rep", "rep"),
        ("viewer", "viewer"),
    ]
    # The rep is named as people know them (tests/web/data.py: r1 is Anna Rossi).
    assert logins[2][3] == "own records of Anna Rossi (r1)"
    store = UserStore(wh)
    for username, password, _, _ in logins:
        assert store.authenticate(username, password) is not None
    assert store.get("rep").rep_id == "r1"
    assert store.get("manager").teams == ("North",)
    create_demo_users(wh)  # running the demo again replaces them instead of failing
    assert len(store.list()) == 4
    wh.close()


def test_the_demo_is_served_under_its_own_name_unless_the_config_names_the_company(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no cruscotto.yaml: the header shows the demo's name
    monkeypatch.delenv("CRUSCOTTO_CONFIG", raising=False)
    assert demo_settings().name == "Alpina Digital S.r.l."
    (tmp_path / "cruscotto.yaml").write_text("company:\n  name: Rossi Consulenze\n")
    assert demo_settings().name == "Rossi Consulenze"
    assert load_settings().name == "Rossi Consulenze"
    (tmp_path / "cruscotto.yaml").unlink()
    assert load_settings().name == ""  # a real company without a name shows none
