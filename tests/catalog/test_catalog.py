"""The catalog: complete, in three languages, every entry computable, overrides checked."""

import pytest

from cruscotto.catalog import CatalogError, Derived, Function, load_catalog
from cruscotto.catalog.definition import LANGUAGES
from cruscotto.catalog.loader import parse_definition
from cruscotto.engine.functions.registry import REGISTRY
from cruscotto.engine.rules import dimensions

CATALOG = load_catalog()

# SPEC §3.1 and §3.2 (mrr / arr is one row there, two KPIs here).
ACQUISITION = [
    "new_leads",
    "qualified_leads",
    "cost_per_qualified_lead",
    "lead_response_time",
    "new_opportunities",
    "avg_opportunity_value",
    "lead_to_opportunity_rate",
    "lead_to_opportunity_time",
    "lead_conversion_rate",
    "sql_to_customer_rate",
    "quotes_requested",
    "quote_to_customer_rate",
    "system_touches",
    "meeting_acceptance_rate",
    "customer_acquisition",
    "share_of_voice",
]
SALES = [
    "activities",
    "win_rate",
    "close_rate",
    "win_loss_ratio",
    "lost_opportunity_rate",
    "deals_won",
    "avg_contract_value",
    "sales_cycle_length",
    "stage_duration",
    "pipeline_velocity",
    "sales_velocity",
    "open_pipeline",
    "revenue_per_rep",
    "gross_margin_per_rep",
    "net_new_revenue",
    "mrr",
    "arr",
    "upsell_rate",
    "cross_sell_rate",
    "repeat_purchase_value",
    "avg_activity_time",
    "activities_per_rep",
    "activity_to_result_ratio",
    "forecast_accuracy",
    "forecast_hit_rate",
]


def test_every_spec_kpi_is_declared():
    assert [d.id for d in CATALOG.by_area("acquisition") if d.area == "acquisition"] == ACQUISITION
    assert [d.id for d in CATALOG.all() if d.area == "sales"] == SALES


@pytest.mark.parametrize("definition", CATALOG.all(), ids=lambda d: d.id)
def test_every_entry_speaks_three_languages_and_computes(definition):
    for field in ("name", "description", "formula"):
        texts = getattr(definition, field)
        assert all(texts[lang].strip() for lang in LANGUAGES), (definition.id, field)
    assert definition.sources
    if isinstance(definition.computation, Function):
        assert definition.computation.name in REGISTRY
    if definition.benchmark is not None:
        assert definition.benchmark.source
    if definition.unit == "percent" and not isinstance(definition.computation, Derived):
        assert definition.type in ("ratio", "conversion", "function")


@pytest.mark.parametrize("definition", CATALOG.all(), ids=lambda d: d.id)
def test_every_declared_dimension_reaches_the_data(definition):
    from cruscotto.catalog import Ratio, Simple, Snapshot

    computation = definition.computation
    if isinstance(computation, Simple | Snapshot):
        sources = [computation.measure.source]
    elif isinstance(computation, Ratio):
        sources = [computation.numerator.source, computation.denominator.source]
    else:
        return  # derived and function KPIs resolve dimensions through their inputs
    for dimension in definition.dimensions:
        for source in sources:
            assert dimensions.reference(source, dimension), (definition.id, dimension, source)


def test_get_names_the_unknown_kpi():
    with pytest.raises(KeyError, match="unknown KPI 'nope'"):
        CATALOG.get("nope")


def _entry(**overrides):
    entry = {
        "id": "x",
        "area": "sales",
        "dashboard_area": "sales",
        "name": {"en": "X", "it": "X", "pt": "X"},
        "description": {"en": "X", "it": "X", "pt": "X"},
        "formula": {"en": "X", "it": "X", "pt": "X"},
        "unit": "count",
        "direction": "higher",
        "frequency": "monthly",
        "type": "count",
        "source": "leads",
        "date": "created_at",
    }
    entry.update(overrides)
    return entry


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": {"en": "X", "it": "X"}}, "name has no text in pt"),
        ({"source": "deals"}, "unknown source table 'deals'"),
        ({"date": "closed_at"}, "leads has no date column 'closed_at'"),
        ({"where": "stauts == 'won'"}, "no column .* 'stauts'"),
        ({"unit": "euros"}, "unit is 'euros'"),
        ({"dimensions": ["colour"]}, "unknown dimensions"),
        ({"benchmark": {"low": 1}}, "benchmark needs a `source`"),
    ],
)
def test_a_bad_declaration_names_the_kpi_and_the_problem(overrides, message):
    with pytest.raises(CatalogError, match=message):
        parse_definition(_entry(**overrides), where="test.yaml")


def test_company_overrides():
    catalog = load_catalog(
        {
            "kpis": {
                "targets": {"win_rate": 0.3},
                "benchmarks": {"win_rate": {"low": 0.2, "high": 0.4, "source": "our 2025"}},
                "custom": [
                    {
                        "id": "won_per_lead",
                        "name": {
                            "en": "Won per lead",
                            "it": "Vinte per lead",
                            "pt": "Ganhos por lead",
                        },
                        "expression": "deals_won / new_leads",
                    }
                ],
            }
        }
    )
    assert catalog.get("win_rate").target == 0.3
    assert catalog.get("win_rate").benchmark.source == "our 2025"
    custom = catalog.get("won_per_lead")
    assert custom.custom and custom.name["it"] == "Vinte per lead"
    # deals_won's value detail converts amounts, hence fx_rates.
    assert set(custom.sources) == {"opportunities", "leads", "fx_rates"}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"targets": {"nope": 1}}, "unknown KPI 'nope'"),
        ({"targets": {"win_rate": "high"}}, "must be a number"),
        ({"custom": [{"id": "x", "expression": "__import__('os')"}]}, "not allowed"),
        ({"custom": [{"id": "x", "expression": "deals_won / nope"}]}, "'nope' .* is not a KPI"),
        ({"custom": [{"id": "win_rate", "expression": "deals_won"}]}, "already exists"),
        ({"colours": {}}, "unknown keys under kpis"),
    ],
)
def test_bad_company_overrides_are_refused(section, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog({"kpis": section})
