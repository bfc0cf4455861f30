"""Users, passwords and tokens, on both engines (the users table lives in the warehouse)."""

from __future__ import annotations

import pytest

from cruscotto.web.storage import USERS, read_rows
from cruscotto.web.users import UserError, UserStore


def test_add_authenticate_and_remove(warehouse):
    store = UserStore(warehouse)
    store.add("ann", "a-long-password-9", "manager", teams=["North", "South"], language="it")
    user = store.authenticate("ann", "a-long-password-9")
    assert user is not None
    assert (user.role, user.teams, user.language) == ("manager", ("North", "South"), "it")
    assert store.authenticate("ann", "wrong-password") is None
    assert store.authenticate("nobody", "a-long-password-9") is None
    store.remove("ann")
    assert store.list() == []


def test_password_is_stored_as_argon2_hash(warehouse):
    store = UserStore(warehouse)
    store.add("ann", "a-long-password-9", "admin")
    (row,) = read_rows(warehouse, USERS)
    assert row["password_hash"].startswith("$argon2id$")
    assert "a-long-password-9" not in row["password_hash"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "boss"}, "unknown role"),
        ({"role": "rep"}, "needs --rep-id"),
        ({"role": "manager"}, "at least one --team"),
        ({"role": "admin", "language": "de"}, "unknown language"),
        ({"role": "admin", "password": "short"}, "at least 10 characters"),
        ({"role": "admin", "password": "12345678"}, "at least 10 characters"),
        ({"role": "admin", "password": "password1234"}, "too easy to guess"),
        ({"role": "admin", "password": "ann-cruscotto"}, "too easy to guess"),
        ({"role": "admin", "password": "qwertyuiop123"}, "too easy to guess"),
    ],
)
def test_invalid_users_are_refused_with_the_reason(warehouse, kwargs, message):
    store = UserStore(warehouse)
    kwargs = dict(kwargs)  # the parameters are shared by both engines' runs
    password = kwargs.pop("password", "a-long-password-9")
    with pytest.raises(UserError, match=message):
        store.add("ann", password, **kwargs)
    assert store.list() == []


def test_duplicate_user_is_refused_and_nothing_changes(warehouse):
    store = UserStore(warehouse)
    store.add("ann", "a-long-password-9", "admin")
    with pytest.raises(UserError, match="already exists"):
        store.add("ann", "other-password-9", "viewer")
    assert [u.role for u in store.list()] == ["admin"]
    assert store.authenticate("ann", "a-long-password-9") is not None


def test_tokens_identify_their_user_and_die_with_it(warehouse):
    store = UserStore(warehouse)
    store.add("ann", "a-long-password-9", "viewer")
    token = store.issue_token("ann").token
    assert store.user_for_token(token).username == "ann"
    assert store.user_for_token(token + "x") is None
    store.remove("ann")
    assert store.user_for_token(token) is None


def test_language_choice_is_remembered(warehouse):
    store = UserStore(warehouse)
    store.add("ann", "a-long-password-9", "viewer")
    store.set_language("ann", "pt")
    assert UserStore(warehouse).get("ann").language == "pt"
