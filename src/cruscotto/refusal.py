"""A request the user can fix, said in their language.

The layers below the web (alert rules, users…) refuse with an English message, which the
CLI and the Python API show, and — for the mistakes a form can make — a `code` and its
`params`; the web says `refusal.CODE` from its catalog in the user's language
(`Translator.refusal`). One door for every such message, so none reaches an Italian
manager in English.
"""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    def __init__(self, message: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params
