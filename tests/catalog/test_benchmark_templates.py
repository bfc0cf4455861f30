"""Benchmark templates (catalog/benchmarks.py): the services bands, none, or a file's.

The file template here is test data in a temporary directory (no second template ships:
see the module's docstring); its numbers only check that a file's bands replace the
catalog's, cite their source, and that the company's own bands still win.
"""

from __future__ import annotations

import pytest

from cruscotto.catalog import CatalogError, load_catalog
from cruscotto.catalog.benchmarks import apply_template, benchmark_templates


def test_services_are_the_catalogs_bands_and_none_clears_them():
    services = load_catalog({})
    assert services.get("sales_cycle_length").benchmark.low == 60.0  # kpis/sales.yaml
    cleared = load_catalog({"company": {"benchmark_template": "none"}})
    assert all(d.benchmark is None for d in cleared.all())
    # The company's own band still applies under "none".
    own = {"win_rate": {"low": 0.2, "high": 0.3, "source": "our 2025 average"}}
    mixed = load_catalog({"company": {"benchmark_template": "none"}, "kpis": {"benchmarks": own}})
    assert mixed.get("win_rate").benchmark.source == "our 2025 average"


def test_a_template_file_replaces_the_bands_it_names_and_clears_the_others(tmp_path):
    (tmp_path / "test_only.yaml").write_text(
        "win_rate: {low: 0.1, high: 0.2, source: 'a test fixture'}\n", encoding="utf-8"
    )
    assert benchmark_templates(tmp_path) == ("services", "test_only", "none")
    catalog = load_catalog({})
    definitions = {d.id: d for d in catalog.all()}
    apply_template(definitions, "test_only", tmp_path)
    assert (definitions["win_rate"].benchmark.low, definitions["win_rate"].benchmark.high) == (
        0.1,
        0.2,
    )
    assert definitions["sales_cycle_length"].benchmark is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("win_rate: {low: 0.1, high: 0.2}\n", "needs a `source`"),
        ("no_such_kpi: {low: 1, source: x}\n", "unknown KPI(s) no_such_kpi"),
    ],
)
def test_a_bad_template_file_names_the_kpi_and_the_problem(tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    definitions = {d.id: d for d in load_catalog({}).all()}
    with pytest.raises(CatalogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply_template(definitions, "bad", tmp_path)


def test_an_unknown_template_is_refused_with_the_known_ones():
    with pytest.raises(CatalogError, match="use one of services, none"):
        load_catalog({"company": {"benchmark_template": "retail"}})
