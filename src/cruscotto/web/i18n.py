"""Languages: the message catalogs and locale-correct formatting.

Messages live in `locales/<part>.<lang>.json` (web.en.json, web.it.json, web.pt.json…);
all parts of a language are merged, so a new group of pages brings its own files
(e.g. reports.en.json) without editing ours. Every label is a key present in all three
languages (tests/web/test_i18n.py checks that for every part); KPI names and descriptions
come from the KPI catalog instead. Numbers, dates and money go through `Formatter`, which
uses babel with the language's locale: Italian writes 1.234,56 €, Brazilian Portuguese
R$ 1.234,56 (when the base currency is BRL).
Money is always in the company's base currency, only its formatting follows the language.

In a template: `{{ t("overview.title") }}` and `{{ fmt.kpi_value(value, unit) }}`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("en", "it", "pt")
DEFAULT_LANGUAGE = "en"
# The locale used for formatting in each language.
LOCALES = {"en": "en_GB", "it": "it_IT", "pt": "pt_BR"}
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "pt": "Português"}

_CATALOG_DIR = Path(__file__).parent / "locales"


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for part in sorted(_CATALOG_DIR.glob(f"*.{language}.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
    return merged


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of our languages for an Accept-Language header (`default` if none fits)."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


class Translator:
    """`t(key, **params)`: the message in the language, `{param}`s filled in."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.messages = catalog(self.language)

    def __call__(self, key: str, **params: object) -> str:
        text = self.messages.get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
        return text.format(**params) if params else text

    def refusal(self, exc: Exception, **words: str) -> str:
        """A refused request (cruscotto.refusal.Refusal) in the language: `refusal.CODE`
        with its params, `words` replacing those that need wording (a KPI's name for its
        id); its English message when it has no code."""
        code = getattr(exc, "code", None)
        if code and f"refusal.{code}" in self.messages:
            return self(f"refusal.{code}", **(exc.params | words))
        return str(exc)

    def pick(self, texts: dict[str, str] | None) -> str:
        """The entry for our language from a {"en": …, "it": …, "pt": …} mapping."""
        if not texts:
            return ""
        return texts.get(self.language) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


class Formatter:
    """Numbers, money, percentages and dates the way the language writes them."""

    def __init__(self, language: str, currency: str = "EUR", timezone: str = "UTC") -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = _locale(LOCALES[self.language])
        self.currency = currency
        self.zone = ZoneInfo(timezone)  # the company's: where stored UTC instants are shown
        self.t = Translator(self.language)

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, fraction: float | None, digits: int = 1) -> str:
        if fraction is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(fraction, format=pattern, locale=self.locale)

    def money(self, amount: float | None, digits: int | None = None) -> str:
        """An amount in the base currency, in whole units on screen (one precision for every
        amount of a page: 97.470 € and 6.962 €, never 6.962,12 € beside them)."""
        return self.money_in(amount, self.currency, digits)

    def money_in(self, amount: float | None, currency: str, digits: int | None = None) -> str:
        """An amount in `currency` (a record's own), whole units unless `digits` says."""
        if amount is None:
            return "–"
        return format_currency(
            amount,
            currency,
            locale=self.locale,
            currency_digits=False,
            format=_money_pattern(self.locale, 0 if digits is None else digits),
        )

    def date(self, day: date | None, style: str = "medium") -> str:
        return "–" if day is None else format_date(day, format=style, locale=self.locale)

    def when(self, moment: datetime | date | str | None) -> str:
        """ "30 nov 2026, 14:05" for an instant (already in the company's zone), "30 nov
        2026" for a day; ISO text ("2026-11-30 14:05", "2026-11-30") is read first."""
        if moment is None or moment == "":
            return "–"
        if isinstance(moment, str):
            moment = (
                datetime.fromisoformat(moment) if len(moment) > 10 else date.fromisoformat(moment)
            )
        if not isinstance(moment, datetime):
            return self.date(moment)
        pattern = self.locale.datetime_formats["medium"]
        return str(pattern).format(
            format_time(moment, "short", locale=self.locale), self.date(moment.date())
        )

    def period(self, label: str | None, short: bool = False) -> str:
        """A period's label ("2026-11", "2026-Q4", "FY2026", "2026-W48", "a..b") in words:
        "novembre 2026", "T4 2026", "esercizio 2026", "settimana 48 del 2026 (23–29 nov)"."""
        if not label:
            return "–"
        if ".." in label:
            first, last = label.split("..", 1)
            return self.t("period.range", first=self.when(first), last=self.when(last))
        if match := _MONTH_LABEL.match(label):
            day = date(int(match["year"]), int(match["month"]), 1)
            if short:  # chart axes: "nov 2026"
                return format_skeleton("yMMM", day, locale=self.locale)
            return format_date(day, "LLLL yyyy", locale=self.locale)
        if match := _QUARTER_LABEL.match(label):
            year, quarter = int(match["year"]), int(match["q"])
            if match["fy"]:
                return self.t("period.fiscal_quarter", quarter=quarter, year=year)
            return format_skeleton("yQQQ", date(year, 3 * quarter - 2, 1), locale=self.locale)
        if match := _FISCAL_LABEL.match(label):
            return self.t("period.fiscal_year", year=match["year"])
        if match := _WEEK_LABEL.match(label):
            # ISO weeks (Monday to Sunday); the days say which week without a calendar.
            year, week = int(match["year"]), int(match["week"])
            monday = date.fromisocalendar(year, week, 1)
            sunday = monday + timedelta(days=6)
            skeleton = "MMMd" if monday.year == sunday.year else "yMMMd"
            days = format_interval(monday, sunday, skeleton, locale=self.locale)
            return self.t("period.week", week=week, year=year, days=days)
        if len(label) == 10:
            return self.when(label)
        return label

    def month_name(self, month: int) -> str:
        """The month's name in the language ("aprile" for 4)."""
        return format_date(date(2026, month, 1), "LLLL", locale=self.locale)

    def target_input(self, target: float | None, unit: str) -> str:
        """A target as a form field holds it: rates in percent ("25" for 0.25)."""
        if target is None:
            return ""
        shown = target * 100 if unit == "percent" else target
        return format_decimal(shown, format="0.####", locale=self.locale)

    def kpi_value(self, value: float | None, unit: str) -> str:
        """A KPI value with its unit: rates are stored as fractions and shown as %."""
        if value is None:
            return "–"
        match unit:
            case "percent":
                return self.percent(value)
            case "count":
                return self.number(value, 0 if float(value).is_integer() else 1)
            case "currency":
                return self.money(value)
            case "currency_per_day":
                return self.t("unit.per_day", value=self.money(value))
            case "hours":
                return self.t("unit.hours", value=self.number(value, 1))
            case "days":
                return self.t("unit.days", value=self.number(value, 1))
            case "units_per_hour":
                return self.t("unit.units_per_hour", value=self.number(value, 2))
            case "ratio":
                return self.number(value, 2)
            case _:  # score and anything a custom KPI declares
                return self.number(value, 1)

    def change(self, current: float | None, previous: float | None, unit: str) -> str:
        """Change vs an earlier value: points for rates, relative % for everything else."""
        delta = change(current, previous, unit)
        if delta is None:
            return "–"
        if unit == "percent":
            points = self.number(abs(delta) * 100, 1)
            return ("+" if delta >= 0 else "−") + self.t("unit.points", value=points)
        return ("+" if delta >= 0 else "−") + self.percent(abs(delta))


def change(current: float | None, previous: float | None, unit: str) -> float | None:
    """Difference for rates (fraction points), relative change otherwise; None if undefined."""
    if current is None or previous is None:
        return None
    if unit == "percent":
        return current - previous
    if previous == 0:
        return None
    return (current - previous) / abs(previous)


_MONTH_LABEL = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_QUARTER_LABEL = re.compile(r"^(?P<fy>FY)?(?P<year>\d{4})-Q(?P<q>[1-4])$")
_FISCAL_LABEL = re.compile(r"^FY(?P<year>\d{4})$")
_WEEK_LABEL = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})$")


@cache
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except UnknownLocaleError:  # pragma: no cover - babel ships all three
        return Locale.parse("en")


@cache
def _money_pattern(locale: Locale, digits: int) -> str:
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    decimals = "." + "0" * digits if digits else ""
    return pattern.replace("#,##0.00", "#,##0" + decimals)
