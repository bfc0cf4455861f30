"""Benchmark templates: which published bands the KPI cards compare a company's numbers to.

- `services` (the default): the bands declared with each KPI in kpis/*.yaml, for B2B
  service companies, each citing its source (SPEC §4: "B2B-services defaults").
- `none`: no published band; cards compare to the company's targets only (for a company
  the services bands do not describe, until it has bands of its own).
- any other name: a file `benchmarks/<name>.yaml` beside this module, mapping KPI ids to
  `{low, high, source}`; KPIs the file leaves out have no band under that template.

A company's own bands (`kpis.benchmarks` in cruscotto.yaml) apply on top of any template.

No second file is shipped. SPEC §4 asks for a retail template "(seed 001 table)", but
seed 001's table names the KPIs a retail business with shops tracks (footfall, in-store
conversion, sales per square metre, units per product category) and gives no numbers;
bands without a source would be invented. A retail template needs a `retail.yaml` here
with a sourced band per KPI it covers (and, for footfall or sales per square metre, those
KPIs in the catalog first): the loader, the setting and the settings page take it as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from cruscotto.catalog.definition import KpiDefinition

TEMPLATE_DIRECTORY = Path(__file__).parent / "benchmarks"
SERVICES = "services"
NONE = "none"


def benchmark_templates(directory: Path = TEMPLATE_DIRECTORY) -> tuple[str, ...]:
    """The templates a company may choose: services, those with a file, none."""
    files = sorted(p.stem for p in directory.glob("*.yaml") if p.stem not in (SERVICES, NONE))
    return (SERVICES, *files, NONE)


def apply_template(
    definitions: Mapping[str, KpiDefinition], name: str, directory: Path = TEMPLATE_DIRECTORY
) -> None:
    """Set each definition's benchmark from template `name` (in place)."""
    from cruscotto.catalog.loader import CatalogError, benchmark_band

    known = benchmark_templates(directory)
    if name not in known:
        raise CatalogError(f"unknown benchmark template {name!r}; use one of {', '.join(known)}")
    if name == SERVICES:
        return
    bands = _read(directory / f"{name}.yaml") if name != NONE else {}
    unknown = sorted(set(bands) - set(definitions))
    if unknown:
        raise CatalogError(f"benchmark template {name}: unknown KPI(s) {', '.join(unknown)}")
    for kpi_id, definition in definitions.items():
        band = bands.get(kpi_id)
        try:
            definition.benchmark = benchmark_band(band) if band else None
        except CatalogError as exc:
            raise CatalogError(f"benchmark template {name}, {kpi_id}: {exc}") from None


def _read(file: Path) -> dict:
    from cruscotto.catalog.loader import CatalogError

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{file}: expected KPI ids mapped to {{low, high, source}}")
    return data
