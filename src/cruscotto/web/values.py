"""Values and column names as people read them: "Ricerca a pagamento", not `paid_search`.

Records, breakdowns, pickers and reports show data values (a deal's status, a lead's
channel, a lost reason) and column names. Both go through this module, in one way:

- a value of a known kind is looked up in the message catalog under
  `value.<kind>.<value>` (e.g. `value.channel.paid_search`); the kind of a column comes
  from `VALUE_KINDS` (lead and account channels share `channel`, lost and cancel reasons
  share `reason`…);
- a country code is the country's name in the language (babel's territory names);
- booleans are "yes"/"no" in the language;
- any other value is shown as it is, except that a snake_case code a company's CRM made
  up (`change_request`) is spelled as words ("Change request") rather than leaked;
- a column's header is `column.<name>` in the catalog, or its name as words.

Dimensions name their column kinds the same way (`dimension_kind`), so a breakdown by
channel and a lead's channel read alike.
"""

from __future__ import annotations

import re

from cruscotto.web.i18n import Formatter

# Which catalog group (`value.<kind>.*`) a column's values belong to.
VALUE_KINDS = {
    "status": "status",
    "stage": "stage",
    "lost_reason": "reason",
    "cancel_reason": "reason",
    "reason": "reason",
    "channel": "channel",
    "acquisition_channel": "channel",
    "type": "activity",
    "direction": "direction",
    "outcome": "outcome",
    "priority": "priority",
    "category": "category",
    "kind": "survey",
    "context": "context",
    "forecast_category": "forecast",
    "segment": "segment",
    "industry": "industry",
    "role": "role",
    "event": "event",
    "pipeline": "pipeline",
    "area": "area",
    "unit": "unit",
    "audit_action": "audit",
}
# Kinds whose names the catalog already keeps elsewhere (the overview's area titles).
KEY_PREFIXES = {"area": "area"}
# The column a breakdown dimension's values come from, when it is not the same name.
DIMENSION_COLUMNS = {"priority": "priority", "category": "category"}
COUNTRY_COLUMNS = ("country",)
_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def words(code: str) -> str:
    """`change_request` → "Change request" (for codes no catalog knows)."""
    return code.replace("_", " ").capitalize()


class ValueText:
    """`value(column, v)` and `header(column)` in one language."""

    def __init__(self, language: str) -> None:
        formatter = Formatter(language)
        self.t = formatter.t
        self.locale = formatter.locale

    def value(self, column: str, value: object) -> str:
        if value is None:
            return "–"
        if isinstance(value, bool):
            return self.t("value.yes") if value else self.t("value.no")
        text = str(value)
        if column in COUNTRY_COLUMNS:
            return self.locale.territories.get(text.upper(), text)
        kind = VALUE_KINDS.get(column)
        if kind is not None:
            key = f"{KEY_PREFIXES.get(kind, f'value.{kind}')}.{text}"
            said = self.t(key)
            if said != key:
                return said
        return words(text) if _SNAKE.match(text) else text

    def dimension(self, dimension: str, value: object) -> str:
        """A breakdown or picker value of `dimension` (rep and campaign come named)."""
        return self.value(DIMENSION_COLUMNS.get(dimension, dimension), value)

    def header(self, column: str) -> str:
        if ", " in column:  # a key of several columns, as data health names it
            return ", ".join(self.header(part) for part in column.split(", "))
        key = f"column.{column}"
        said = self.t(key)
        return said if said != key else words(column)
