"""The company's settings: base currency, time zone, fiscal year, customer window.

Read from `cruscotto.yaml` in the working directory (or the file named by
`CRUSCOTTO_CONFIG`); every field has a default that suits an Italian SME, which is what
the demo company is. The same file carries KPI target overrides and custom KPIs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

CONFIG_ENV_VAR = "CRUSCOTTO_CONFIG"
DEFAULT_CONFIG = "cruscotto.yaml"


class CompanySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Shown in the page header and title; none when the company has not set one.
    name: str = ""
    base_currency: str = Field("EUR", min_length=3, max_length=3)
    timezone: str = "Europe/Rome"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    # SPEC §2: without contracts, a customer is an account invoiced in the trailing N months.
    customer_window_months: int = Field(12, ge=1)
    # Window in which revenue from a new customer counts as net new revenue.
    net_new_window_months: int = Field(12, ge=1)
    # The company's calendar: the ISO weekdays it works (1 = Monday) and its closing days.
    # Goals pro-rate their targets over these working days.
    working_weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    holidays: list[dt.date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            message = f"unknown time zone {value!r} (use an IANA name like Europe/Rome)"
            raise ValueError(message) from exc
        return value

    @field_validator("base_currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(day not in range(1, 8) for day in value):
            raise ValueError("working_weekdays: list ISO weekdays 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.working_weekdays and day not in self.holidays

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """The company's working days in [start, end)."""
        days = (end - start).days
        return sum(1 for i in range(max(days, 0)) if self.is_working_day(start + dt.timedelta(i)))


def config_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG)


def read_config(path: str | Path | None = None) -> dict[str, Any]:
    """The whole config file as a mapping ({} when there is none)."""
    file = config_path(path)
    if not file.exists():
        return {}
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{file}: expected a mapping at the top level")
    return data


def load_company(path: str | Path | None = None) -> CompanySettings:
    return CompanySettings(**read_config(path).get("company", {}))
