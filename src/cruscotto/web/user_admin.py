"""Managing users and API tokens, with the audit trail: what `cruscotto user …` does.

One implementation serves both ways the CLI reaches the database: directly, or — while
`cruscotto serve` holds a DuckDB file — through the running server (cruscotto.web.control),
which calls this same class. Answers are plain data (JSON-ready) for that reason.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from cruscotto import audit
from cruscotto.web.users import TokenInfo, UserError, UserStore

_DURATION = re.compile(r"(\d+)\s*([hdwy])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_UNITS["y"] = timedelta(days=365)


def parse_expiry(text: str) -> timedelta | None:
    """'90d', '12h', '4w', '1y' → a duration; 'never' → None."""
    cleaned = text.strip().lower()
    if cleaned == "never":
        return None
    match = _DURATION.fullmatch(cleaned)
    if not match or int(match.group(1)) == 0:
        raise UserError(
            f"cannot read the expiry {text!r}: use e.g. 90d, 12h, 4w, 1y or never",
            code="expiry",
            text=text,
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


COMMANDS = ("add", "change", "remove", "list", "email", "token", "tokens", "revoke")


class UserAdmin:
    """User changes made by `actor` (e.g. `cli:ann`) from `address`, each one audited."""

    def __init__(self, store: UserStore, actor: str, address: str | None) -> None:
        self.store = store
        self.actor = actor
        self.address = address

    def run(self, command: str, **arguments: Any) -> Any:
        """One of the commands below by name (how the server runs a forwarded command)."""
        if command not in COMMANDS:
            raise UserError(f"unknown user command {command!r}")
        return getattr(self, command)(**arguments)

    def _audit(self, action: str, target: str, before: Any = None, after: Any = None) -> None:
        audit.record(
            self.store.warehouse,
            username=self.actor,
            action=action,
            target=target,
            before=before,
            after=after,
            address=self.address,
        )

    def add(self, name: str, password: str, role: str, **scope: Any) -> dict:
        user = self.store.add(name, password, role, **scope)
        shown = _user(user)
        self._audit("user.add", user.username, after=shown)
        return shown

    def change(self, name: str, role: str, **scope: Any) -> dict:
        user = self.store.get(name)
        if user is None:
            raise UserError(f"no user named {name!r}")
        changed = _user(self.store.change(name, role, **scope))
        self._audit("user.change", name, before=_user(user), after=changed)
        return changed

    def remove(self, name: str) -> dict:
        user = self.store.get(name)
        if user is None:
            raise UserError(f"no user named {name!r}")
        self.store.remove(name)
        self._audit("user.remove", name, before=_user(user))
        return _user(user)

    def email(self, name: str, address: str) -> dict:
        user = self.store.get(name)
        if user is None:
            raise UserError(f"no user named {name!r}")
        self.store.set_email(name, address)
        self._audit("user.email", name, before=user.email, after=address or None)
        return _user(self.store.get(name))

    def list(self) -> list[dict]:
        return [_user(u) for u in self.store.list()]

    def token(self, name: str, label: str = "", expires: str = "90d") -> dict:
        issued = self.store.issue_token(name, name=label, expires_in=parse_expiry(expires))
        self._audit("token.issue", issued.info.token_id, after=_token(issued.info))
        return _token(issued.info) | {"token": issued.token}

    def tokens(self, name: str | None = None) -> list[dict]:
        return [_token(t) for t in self.store.tokens(name)]

    def revoke(self, token_id: str) -> dict:
        info = self.store.revoke(token_id)
        self._audit("token.revoke", token_id, after=_token(info))
        return _token(info)


def _user(user) -> dict:
    return {
        "username": user.username,
        "role": user.role,
        "rep_id": user.rep_id,
        "teams": list(user.teams),
        "language": user.language,
        "email": user.email,
    }


def _token(info: TokenInfo) -> dict:
    shown = {
        key: value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "isoformat") else value
        for key, value in asdict(info).items()
    }
    return shown | {"status": info.status()}
