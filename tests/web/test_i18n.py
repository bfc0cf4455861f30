"""Message catalogs and locale-correct formatting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cruscotto.web.i18n import LANGUAGES, Formatter, Translator, change, negotiate

LOCALES = Path(__file__).parents[2] / "src" / "cruscotto" / "web" / "locales"


def test_every_catalog_part_has_the_same_keys_in_every_language():
    parts = {p.name.split(".")[0] for p in LOCALES.glob("*.json")}
    assert "web" in parts
    for part in parts:
        keys = {
            lang: set(json.loads((LOCALES / f"{part}.{lang}.json").read_text()))
            for lang in LANGUAGES
        }
        assert keys["it"] == keys["en"], part
        assert keys["pt"] == keys["en"], part


def test_placeholders_match_across_languages():
    import string

    english = json.loads((LOCALES / "web.en.json").read_text())
    for lang in ("it", "pt"):
        other = json.loads((LOCALES / f"web.{lang}.json").read_text())
        for key, text in english.items():
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(other[key]) if f}, key


def test_translator_fills_parameters_and_falls_back_to_the_key():
    t = Translator("it")
    assert t("scope.manager", teams="Nord") == "Vedi solo i tuoi team: Nord."
    assert t("no.such.key") == "no.such.key"


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("it", "EUR", "1.234,56\xa0€"),
        ("pt", "BRL", "R$\xa01.234,56"),
        ("en", "EUR", "€1,234.56"),
    ],
)
def test_money_follows_the_language(language, currency, expected):
    assert Formatter(language, currency).money(1234.56, digits=2) == expected


def test_amounts_on_screen_have_one_precision_whole_units():
    # The "€97,470 and €6,962.12" on one page: now both in whole euros.
    fmt = Formatter("en", "EUR")
    assert (fmt.money(97470.0), fmt.money(6962.1161142857145)) == ("€97,470", "€6,962")
    assert Formatter("it", "EUR").money(1234567.89) == "1.234.568\xa0€"
    assert Formatter("it").money_in(1400.0, "USD") == "1.400\xa0USD"


@pytest.mark.parametrize(
    ("language", "label", "expected"),
    [
        ("it", "2026-11", "novembre 2026"),
        ("en", "2026-11", "November 2026"),
        ("pt", "2026-11", "novembro 2026"),
        ("it", "2026-Q4", "T4 2026"),
        ("it", "FY2026", "Esercizio 2026"),
        ("it", "FY2026-Q1", "T1 dell'esercizio 2026"),
        # ISO week 48 of 2026 runs Monday 23 to Sunday 29 November (a calendar).
        ("it", "2026-W48", "Settimana 48 del 2026 (23–29 nov)"),
        # ISO week 53 of 2026 runs Monday 28 December 2026 to Sunday 3 January 2027.
        ("en", "2026-W53", "Week 53 of 2026 (28 Dec 2026\u2009–\u20093 Jan 2027)"),
        ("it", "2026-11-30", "30 nov 2026"),
        ("it", "2026-01-01..2026-03-31", "1 gen 2026 – 31 mar 2026"),
    ],
)
def test_periods_are_written_in_the_language(language, label, expected):
    assert Formatter(language).period(label) == expected


def test_times_are_the_language_s_date_and_24h_clock():
    assert Formatter("it").when("2026-11-30 14:05") == "30 nov 2026, 14:05"
    assert Formatter("en").when("2026-11-30 14:05") == "30 Nov 2026, 14:05"
    assert Formatter("it").period("2026-11", short=True) == "nov 2026"


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12.5%"), ("it", "12,5%"), ("pt", "12,5%")]
)
def test_rates_are_fractions_shown_as_percent(language, expected):
    # 3 won of 24 closed = 0.125 → 12.5 %
    assert Formatter(language).kpi_value(3 / 24, "percent") == expected


def test_units_are_spelled_in_the_language():
    assert Formatter("it").kpi_value(5.26, "days") == "5,3 giorni"
    assert Formatter("en").kpi_value(1.5, "hours") == "1.5 h"
    assert Formatter("pt").kpi_value(None, "count") == "–"


def test_change_is_points_for_rates_and_relative_otherwise():
    # rate 0.20 → 0.25: +5 points; amount 200 → 250: +25 %
    assert change(0.25, 0.20, "percent") == pytest.approx(0.05)
    assert change(250, 200, "currency") == pytest.approx(0.25)
    assert change(250, 0, "currency") is None
    assert change(None, 200, "count") is None
    assert Formatter("en").change(0.25, 0.20, "percent") == "+5.0 pts"
    assert Formatter("it").change(150, 200, "count") == "−25,0%"


def test_accept_language_negotiation():
    assert negotiate("pt-BR,pt;q=0.9,en;q=0.8") == "pt"
    assert negotiate("de-DE,it;q=0.5") == "it"
    assert negotiate(None) == "en"
