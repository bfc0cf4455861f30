"""docs/kpi-catalog.md is generated from the catalog and must match it."""

from pathlib import Path

from cruscotto.catalog import load_catalog, reference_page

PAGE = Path(__file__).parents[2] / "docs" / "kpi-catalog.md"


def test_the_committed_page_matches_the_catalog():
    expected = reference_page.render(load_catalog())
    assert PAGE.read_text(encoding="utf-8") == expected, (
        "docs/kpi-catalog.md is out of date: run `cruscotto kpi docs`"
    )


def test_every_kpi_has_its_section():
    page = PAGE.read_text(encoding="utf-8")
    for definition in load_catalog().all():
        assert f"— `{definition.id}`" in page
