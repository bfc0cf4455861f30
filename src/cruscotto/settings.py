"""The company's settings: base currency, time zone, fiscal year, customer window.

Read from `cruscotto.yaml` in the working directory (or the file named by
`CRUSCOTTO_CONFIG`); every field has a default that suits an Italian SME, which is what
the demo company is. The same file carries KPI target overrides and custom KPIs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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


class SecuritySettings(BaseModel):
    """What the web app allows and how much (the `security:` section of cruscotto.yaml).

    docs/web.md explains each limit; the defaults suit a company of a few hundred people
    on a small server.
    """

    model_config = ConfigDict(extra="forbid")

    # "own_teams": a manager imports only rows owned by reps of their teams (never company
    # tables); "never": only admins import.
    manager_imports: Literal["own_teams", "never"] = "own_teams"
    # Uploads: the whole request body, an XLSX once unzipped, rows per import.
    max_upload_mb: float = Field(100, gt=0)
    max_xlsx_uncompressed_mb: float = Field(300, gt=0)
    max_import_rows: int = Field(2_000_000, gt=0)
    # An import answer lists this many rejects; the CSV download holds them all.
    rejects_shown: int = Field(200, ge=0)
    # A trend longer than this (e.g. daily since 1975) is refused with a message.
    max_trend_points: int = Field(1000, gt=0)
    # Sessions end after this long without a request, and this long after login anyway.
    session_idle_minutes: int = Field(8 * 60, gt=0)
    session_max_hours: int = Field(7 * 24, gt=0)
    # Behind a reverse proxy that sets X-Forwarded-Proto/-For (and only then): trust them
    # for the Secure cookie flag and the client's address.
    trust_proxy_headers: bool = False
    # Login throttling: failures allowed per account and per address in the window.
    login_failures_per_account: int = Field(5, gt=0)
    login_failures_per_address: int = Field(20, gt=0)
    login_window_minutes: int = Field(15, gt=0)


def load_security(path: str | Path | None = None) -> SecuritySettings:
    return SecuritySettings(**(read_config(path).get("security") or {}))
