"""Changing a KPI's target: the one function that writes `kpis.targets` in cruscotto.yaml.

The catalog declares each KPI's default target; a company overrides it in the `kpis:`
section of its config file (see `apply_company_config`). The web's targets page and any
other writer go through `save_target`, which checks the KPI and the number, writes the
file atomically, and records the change in the audit trail (old → new) when given the
warehouse. The rest of the file's settings are kept; its comments are not (the file is
written anew from its parsed content).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cruscotto.catalog.loader import CatalogError, load_catalog
from cruscotto.settings import config_path, read_config

if TYPE_CHECKING:
    from cruscotto.warehouse import Warehouse


def save_target(
    kpi_id: str,
    target: float | None,
    path: str | Path | None = None,
    *,
    warehouse: Warehouse | None = None,
    username: str = "",
    address: str | None = None,
) -> tuple[float | None, float | None]:
    """Set (or, with None, remove) the company's target for `kpi_id`; returns the target in
    force before and after (the catalog's default when the company sets none)."""
    file = config_path(path)
    data = read_config(file)
    catalog = load_catalog(data)
    try:
        before = catalog.get(kpi_id).target
    except KeyError:
        raise CatalogError(f"unknown KPI {kpi_id!r}") from None
    if target is not None and (not isinstance(target, int | float) or not math.isfinite(target)):
        raise CatalogError(f"the target of {kpi_id} must be a number, not {target!r}")
    section = dict(data.get("kpis") or {})
    targets = dict(section.get("targets") or {})
    if target is None:
        targets.pop(kpi_id, None)
    else:
        targets[kpi_id] = float(target)
    section["targets"] = targets
    if not targets:
        section.pop("targets")
    updated = (
        {**data, "kpis": section} if section else {k: v for k, v in data.items() if k != "kpis"}
    )
    after = load_catalog(updated).get(kpi_id).target  # checks the whole section again
    temporary = file.with_name(f".{file.name}.tmp")
    temporary.write_text(yaml.safe_dump(updated, sort_keys=False, allow_unicode=True), "utf-8")
    os.replace(temporary, file)
    if warehouse is not None:
        _audit(warehouse, kpi_id, before, after, username, address)
    return before, after


def _audit(warehouse, kpi_id: str, before: Any, after: Any, username: str, address) -> None:
    from cruscotto import audit  # the catalog sits below the warehouse; audit above it

    with warehouse.transaction():
        audit.record(
            warehouse,
            username=username,
            action="target.set",
            target=f"kpis.targets.{kpi_id}",
            before=before,
            after=after,
            address=address,
        )
