"""Reading KPI declarations from YAML, and a company's overrides from cruscotto.yaml.

Every declaration is checked when it is read: languages, enums, tables and columns named
in expressions, so a mistake in a catalog file fails with the file, the KPI and the reason
instead of a wrong number later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from cruscotto.catalog.benchmarks import SERVICES, apply_template
from cruscotto.catalog.definition import (
    AGGREGATIONS,
    AREAS,
    DASHBOARD_AREAS,
    DIMENSIONS,
    DIRECTIONS,
    FREQUENCIES,
    KPI_TYPES,
    LANGUAGES,
    UNITS,
    Benchmark,
    Computation,
    Derived,
    Function,
    KpiDefinition,
    Measure,
    Ratio,
    Simple,
    Snapshot,
)
from cruscotto.catalog.expression import ExpressionError, parse
from cruscotto.catalog.relations import has_column
from cruscotto.model import BY_NAME
from cruscotto.model import table as model_table

KPI_DIRECTORY = Path(__file__).parent / "kpis"


class CatalogError(ValueError):
    """A KPI declaration that is wrong; the message names the file and the KPI."""


class Catalog:
    """The KPI definitions in force: the built-in catalog plus the company's overrides."""

    def __init__(self, definitions: Iterable[KpiDefinition]):
        self._by_id: dict[str, KpiDefinition] = {}
        for definition in definitions:
            if definition.id in self._by_id:
                raise CatalogError(f"KPI {definition.id!r} is declared twice")
            self._by_id[definition.id] = definition
        self._resolve_derived_sources()

    def get(self, kpi_id: str) -> KpiDefinition:
        try:
            return self._by_id[kpi_id]
        except KeyError:
            raise KeyError(
                f"unknown KPI {kpi_id!r}; `cruscotto kpi list` shows the {len(self)} KPIs"
            ) from None

    def all(self) -> list[KpiDefinition]:
        return list(self._by_id.values())

    def by_area(self, area: str) -> list[KpiDefinition]:
        return [d for d in self._by_id.values() if area in (d.area, d.dashboard_area)]

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def _resolve_derived_sources(self) -> None:
        for definition in self._by_id.values():
            if isinstance(definition.computation, Derived):
                names = parse(definition.computation.expression, "arithmetic").names
                names -= set(definition.computation.inputs)
                for name in sorted(names):
                    if name not in self._by_id:
                        raise CatalogError(
                            f"KPI {definition.id!r}: {name!r} in "
                            f"{definition.computation.expression!r} is not a KPI id"
                        )
                inherited = [s for n in sorted(names) for s in self._sources_of(n, {definition.id})]
                for source in inherited:
                    if source not in definition.sources:
                        definition.sources.append(source)

    def _sources_of(self, kpi_id: str, seen: set[str]) -> list[str]:
        if kpi_id in seen:
            raise CatalogError(f"KPI {kpi_id!r} is defined in terms of itself")
        definition = self._by_id[kpi_id]
        if definition.sources:
            return definition.sources
        computation = definition.computation
        names = parse(computation.expression, "arithmetic").names - set(computation.inputs)
        return [s for n in sorted(names) for s in self._sources_of(n, seen | {kpi_id})]


def load_catalog(
    config: Mapping[str, Any] | None = None, directory: Path = KPI_DIRECTORY
) -> Catalog:
    """The built-in KPIs from `directory`, with the `kpis:` section of a company config."""
    definitions = []
    for file in sorted(directory.glob("*.yaml")):
        definitions.extend(read_file(file))
    # The company's benchmark template first; its own bands (kpis.benchmarks) win.
    company = (config or {}).get("company") or {}
    apply_template({d.id: d for d in definitions}, company.get("benchmark_template", SERVICES))
    catalog = Catalog(definitions)
    return apply_company_config(catalog, (config or {}).get("kpis") or {})


def read_file(file: Path) -> list[KpiDefinition]:
    try:
        entries = yaml.safe_load(file.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(entries, list):
        raise CatalogError(f"{file}: expected a list of KPI declarations")
    return [parse_definition(entry, where=str(file.name)) for entry in entries]


def parse_definition(entry: Mapping[str, Any], where: str = "catalog") -> KpiDefinition:
    kpi_id = entry.get("id") if isinstance(entry, Mapping) else None
    context = f"{where}: KPI {kpi_id!r}"
    try:
        return _parse_definition(dict(entry))
    except (CatalogError, ExpressionError, KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{context}: {exc}") from None


def _parse_definition(entry: dict[str, Any]) -> KpiDefinition:
    kind = _choice(entry, "type", KPI_TYPES)
    computation = parse_computation(kind, entry)
    details = {
        name: parse_computation(_choice(spec, "type", KPI_TYPES), spec)
        for name, spec in (entry.get("details") or {}).items()
    }
    benchmark = entry.get("benchmark")
    is_rate = isinstance(computation, Ratio) and computation.proportion
    # A function KPI that returns successes ÷ trials says so with `proportion: true`.
    is_rate = is_rate or (isinstance(computation, Function) and bool(entry.get("proportion")))
    return KpiDefinition(
        id=_identifier(entry["id"]),
        area=_choice(entry, "area", AREAS),
        dashboard_area=_choice(entry, "dashboard_area", DASHBOARD_AREAS),
        name=_texts(entry, "name"),
        description=_texts(entry, "description"),
        formula=_texts(entry, "formula"),
        unit=_choice(entry, "unit", UNITS),
        direction=_choice(entry, "direction", DIRECTIONS),
        sources=list(entry.get("sources") or sources_of(computation, *details.values())),
        frequency=_choice(entry, "frequency", FREQUENCIES),
        dimensions=_dimensions(entry.get("dimensions") or []),
        target=_number_or_none(entry.get("target"), "target"),
        benchmark=benchmark_band(benchmark) if benchmark else None,
        is_rate=is_rate,
        type=kind,
        computation=computation,
        details=details,
    )


def parse_computation(kind: str, spec: Mapping[str, Any]) -> Computation:
    """The typed computation of a declaration (see catalog.definition for the types)."""
    if kind in ("count", "sum", "mean", "median"):
        return Simple(_measure(spec, agg=kind if kind != "count" else spec.get("agg", "count")))
    if kind == "duration":
        unit = spec.get("in", "hours")
        if unit not in ("hours", "days"):
            raise CatalogError(f"duration `in` must be hours or days, not {unit!r}")
        expr = f"{unit}({spec['from']}, {spec['to']})"
        return Simple(_measure({**spec, "expr": expr}, agg=spec.get("agg", "mean")))
    if kind == "ratio":
        return Ratio(
            numerator=_measure(_inherit(spec, spec["numerator"])),
            denominator=_measure(_inherit(spec, spec["denominator"])),
            proportion=bool(spec.get("proportion", False)),
            maturity_days=spec.get("maturity_days"),
        )
    if kind == "conversion":
        cohort = _measure({**spec, "agg": "count"})
        converted = f"({spec['where']}) and ({spec['converted']})" if spec.get("where") else None
        return Ratio(
            numerator=_measure({**spec, "agg": "count", "where": converted or spec["converted"]}),
            denominator=cohort,
            proportion=True,
            maturity_days=int(spec.get("maturity_days", 0)),
        )
    if kind == "snapshot":
        measure = _measure({**spec, "date": None}, agg=spec.get("agg", "count"))
        active = spec["active"]
        _check_row(active, measure.source, extra={"at"})
        at_kind = spec.get("at", "instant")
        if at_kind not in ("instant", "day"):
            raise CatalogError(f"snapshot `at` must be instant or day, not {at_kind!r}")
        return Snapshot(measure, active, at_kind)
    if kind == "derived":
        parse(spec["expression"], "arithmetic")
        inputs = {
            name: parse_computation(_choice(sub, "type", KPI_TYPES), sub)
            for name, sub in (spec.get("inputs") or {}).items()
        }
        return Derived(spec["expression"], inputs)
    if kind == "function":
        return Function(spec["function"], dict(spec.get("params") or {}))
    raise CatalogError(f"unknown type {kind!r}")


def sources_of(*computations: Computation) -> list[str]:
    found: list[str] = []

    def add(measure: Measure) -> None:
        for name in (measure.source, *(["fx_rates"] if measure.money else [])):
            if name not in found:
                found.append(name)
        for reference in sorted(_references(measure)):
            table = reference.split(".", 1)[0]
            if "." in reference and table not in found:
                found.append(table)

    for computation in computations:
        if isinstance(computation, Derived):
            for name in sources_of(*computation.inputs.values()):
                if name not in found:
                    found.append(name)
        elif isinstance(computation, Simple | Snapshot):
            add(computation.measure)
        elif isinstance(computation, Ratio):
            add(computation.numerator)
            add(computation.denominator)
        elif isinstance(computation, Function):
            for name in computation.params.get("sources", []):
                if name not in found:
                    found.append(name)
    return found


def _references(measure: Measure) -> set[str]:
    names: set[str] = set()
    for text in (measure.expr, measure.where):
        if text:
            names |= parse(text).names
    return names


def _inherit(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """A numerator/denominator takes source, date and money from the KPI unless it says."""
    merged = {key: parent[key] for key in ("source", "date", "money") if key in parent}
    merged.update(child)
    return merged


def _measure(spec: Mapping[str, Any], agg: str | None = None) -> Measure:
    source = spec.get("source")
    if source not in BY_NAME:
        raise CatalogError(f"unknown source table {source!r}")
    agg = agg or spec.get("agg", "count")
    if agg not in AGGREGATIONS:
        raise CatalogError(f"unknown aggregation {agg!r}; use one of {', '.join(AGGREGATIONS)}")
    date = spec.get("date")
    if date is not None and date not in model_table(source).column_names:
        raise CatalogError(f"{source} has no date column {date!r}")
    if date is not None and model_table(source).column(date).type not in ("date", "timestamp"):
        raise CatalogError(f"{source}.{date} is not a date or a timestamp")
    expr, where = spec.get("expr"), spec.get("where")
    if agg not in ("count",) and not expr:
        raise CatalogError(f"aggregation {agg} needs an `expr`")
    for text in (expr, where):
        if text is not None:
            _check_row(str(text), source)
    money = bool(spec.get("money", False))
    if money and "currency" not in model_table(source).column_names:
        raise CatalogError(f"{source} has no currency column, so `money` cannot be converted")
    return Measure(source, date, agg, str(expr) if expr else None, where, money)


def _check_row(text: str, source: str, extra: set[str] | None = None) -> None:
    for name in parse(text).names:
        if name in (extra or set()) or has_column(source, name):
            continue
        raise CatalogError(f"{text!r}: {source} has no column (or related column) {name!r}")


def _choice(entry: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = entry.get(key)
    if value not in allowed:
        raise CatalogError(f"{key} is {value!r}; use one of {', '.join(allowed)}")
    return value


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not value.isidentifier() or not value.islower():
        raise CatalogError(f"id {value!r} must be a lower-case identifier (letters, digits, _)")
    return value


def _texts(entry: Mapping[str, Any], key: str) -> dict[str, str]:
    value = entry.get(key)
    if isinstance(value, str):  # a custom KPI may give one text for every language
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, Mapping):
        raise CatalogError(f"{key} must give a text for each of {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise CatalogError(f"{key} has no text in {', '.join(missing)}")
    return {lang: str(value[lang]).strip() for lang in LANGUAGES}


def _dimensions(values: Iterable[str]) -> list[str]:
    values = list(values)
    unknown = [v for v in values if v not in DIMENSIONS]
    if unknown:
        raise CatalogError(f"unknown dimensions {unknown}; use {', '.join(DIMENSIONS)}")
    return values


def _number_or_none(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(f"{what} must be a number, not {value!r}")
    return float(value)


def benchmark_band(value: Mapping[str, Any]) -> Benchmark:
    """A benchmark band from `{low, high, source}`: a band without a source is refused."""
    if not isinstance(value, Mapping):
        raise CatalogError("a benchmark is {low, high, source}")
    if not str(value.get("source") or "").strip():
        raise CatalogError("a benchmark needs a `source` saying where the band comes from")
    return Benchmark(
        low=_number_or_none(value.get("low"), "benchmark low"),
        high=_number_or_none(value.get("high"), "benchmark high"),
        source=str(value["source"]),
    )


# -- the company's overrides -------------------------------------------------------------


def apply_company_config(catalog: Catalog, section: Mapping[str, Any]) -> Catalog:
    """Targets, benchmarks and custom KPIs from the `kpis:` section of cruscotto.yaml.

    ```yaml
    kpis:
      targets: {win_rate: 0.25, lead_response_time: 1.5}
      benchmarks: {win_rate: {low: 0.2, high: 0.3, source: "our 2025 average"}}
      custom:
        - id: won_per_lead
          name: Won deals per lead
          expression: deals_won / new_leads
          unit: ratio
          direction: higher
    ```
    """
    if not isinstance(section, Mapping):
        raise CatalogError("cruscotto.yaml: `kpis` must be a mapping")
    unknown = set(section) - {"targets", "benchmarks", "custom"}
    if unknown:
        raise CatalogError(f"cruscotto.yaml: unknown keys under kpis: {', '.join(sorted(unknown))}")
    definitions = {d.id: d for d in catalog.all()}
    for kpi_id, target in (section.get("targets") or {}).items():
        _known(definitions, kpi_id, "targets").target = _number_or_none(
            target, f"cruscotto.yaml: target of {kpi_id}"
        )
    for kpi_id, band in (section.get("benchmarks") or {}).items():
        _known(definitions, kpi_id, "benchmarks").benchmark = benchmark_band(band)
    for entry in section.get("custom") or []:
        definition = parse_custom(entry)
        if definition.id in definitions:
            raise CatalogError(f"cruscotto.yaml: custom KPI {definition.id!r} already exists")
        definitions[definition.id] = definition
    return Catalog(definitions.values())


def _known(definitions: dict[str, KpiDefinition], kpi_id: str, where: str) -> KpiDefinition:
    if kpi_id not in definitions:
        raise CatalogError(f"cruscotto.yaml: kpis.{where} names unknown KPI {kpi_id!r}")
    return definitions[kpi_id]


def parse_custom(entry: Mapping[str, Any]) -> KpiDefinition:
    """A company's own KPI: a safe arithmetic expression over other KPIs' ids."""
    if not isinstance(entry, Mapping):
        raise CatalogError("cruscotto.yaml: each custom KPI must be a mapping")
    kpi_id = entry.get("id")
    try:
        expression = parse(str(entry["expression"]), "arithmetic")
        name = entry.get("name") or kpi_id
        definition = KpiDefinition(
            id=_identifier(kpi_id),
            area=entry.get("area", "sales") if entry.get("area") in AREAS else "sales",
            dashboard_area=_choice(
                {"d": entry.get("dashboard_area", "sales")}, "d", DASHBOARD_AREAS
            ),
            name=_texts({"name": name}, "name"),
            description=_texts({"d": entry.get("description") or name}, "d"),
            formula=_texts({"f": entry.get("formula") or expression.text}, "f"),
            unit=_choice({"unit": entry.get("unit", "ratio")}, "unit", UNITS),
            direction=_choice(
                {"direction": entry.get("direction", "higher")}, "direction", DIRECTIONS
            ),
            sources=[],
            frequency=_choice({"f": entry.get("frequency", "monthly")}, "f", FREQUENCIES),
            dimensions=_dimensions(entry.get("dimensions") or []),
            target=_number_or_none(entry.get("target"), "target"),
            benchmark=benchmark_band(entry["benchmark"]) if entry.get("benchmark") else None,
            is_rate=False,
            type="derived",
            computation=Derived(expression.text),
            custom=True,
        )
    except (CatalogError, ExpressionError, KeyError) as exc:
        raise CatalogError(f"cruscotto.yaml: custom KPI {kpi_id!r}: {exc}") from None
    return definition
