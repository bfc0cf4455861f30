"""What a password must be: long enough, and not one an attacker would try early.

The rule (NIST SP 800-63B's advice: length and a check against known and guessable
passwords, no composition rules): at least MIN_LENGTH characters, and zxcvbn must rate it
at least MIN_SCORE of 4 — zxcvbn knows the common-password lists, dictionary words, names,
keyboard patterns, dates and sequences, and is told the user name and the product name so
that "ann-cruscotto" is no better than "password".
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"
# zxcvbn slows down on very long inputs; past this length a password is long enough anyway.
_SCORED_LENGTH = 100


class WeakPassword(ValueError):
    """The password does not meet the rule; the message says why and what to do."""


def check_password(password: str, username: str = "") -> None:
    """Raise WeakPassword unless `password` meets the rule above."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"the password must have at least {MIN_LENGTH} characters "
            "(a few unrelated words make a good one)"
        )
    verdict = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[username, "cruscotto"])
    if verdict["score"] < MIN_SCORE:
        why = verdict["feedback"].get("warning")
        detail = f" ({why.rstrip('.').lower()})" if why else ""
        raise WeakPassword(
            f"the password is too easy to guess{detail}; "
            "use a longer one, e.g. a few unrelated words"
        )
