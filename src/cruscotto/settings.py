"""The company's settings: base currency, time zone, fiscal year, customer window.

Read from `cruscotto.yaml` in the working directory (or the file named by
`CRUSCOTTO_CONFIG`); every field has a default that suits an Italian SME, which is what
the demo company is. The same file carries KPI target overrides and custom KPIs.

The file is checked when it is read: a key Cruscotto does not know, or one written in the
wrong place (`base_currency:` at the top level instead of under `company:`), is an error
naming the key and where it belongs, because a setting silently ignored gives numbers in
the wrong currency or time zone. `save_company_setting` is the one way a company setting
is changed (the CLI's `cruscotto config set` and the web's settings page both use it).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:
    from cruscotto.warehouse import Warehouse

CONFIG_ENV_VAR = "CRUSCOTTO_CONFIG"
DEFAULT_CONFIG = "cruscotto.yaml"


class CompanySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Shown in the page header and title; none when the company has not set one.
    name: str = ""
    # The company's language: new users start in it, and the login page uses it when the
    # browser asks for none of ours (each user may switch to another).
    language: Literal["en", "it", "pt"] = "en"
    base_currency: str = "EUR"
    timezone: str = "Europe/Rome"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    # SPEC §2: without contracts, a customer is an account invoiced in the trailing N months.
    customer_window_months: int = Field(12, ge=1)
    # Window in which revenue from a new customer counts as net new revenue.
    net_new_window_months: int = Field(12, ge=1)
    # A question's query running longer than this is stopped with a clear message, so one
    # huge question (a daily trend over fifty years) cannot hold a server's worker for ever.
    query_time_limit_seconds: float = Field(60.0, gt=0)
    # The roles whose work is billable: their capacity is what utilization divides by.
    billable_roles: list[str] = Field(default_factory=lambda: ["consultant"])
    # The company's calendar: the ISO weekdays it works (1 = Monday) and its closing days.
    # Goals pro-rate their targets over these working days.
    working_weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    holidays: list[dt.date] = Field(default_factory=list)
    # Which published bands the KPI cards compare to (cruscotto.catalog.benchmarks).
    benchmark_template: str = "services"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            message = f"unknown time zone {value!r} (use an IANA name like Europe/Rome)"
            raise ValueError(message) from exc
        return value

    @field_validator("billable_roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        from cruscotto.model.tables import REP_ROLES

        unknown = [role for role in value if role not in REP_ROLES]
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(unknown)} in billable_roles; "
                f"use some of {', '.join(REP_ROLES)}"
            )
        return value

    @field_validator("benchmark_template")
    @classmethod
    def _known_template(cls, value: str) -> str:
        from cruscotto.catalog.benchmarks import benchmark_templates

        known = benchmark_templates()
        if value not in known:
            raise ValueError(f"unknown benchmark template {value!r}; use one of {', '.join(known)}")
        return value

    @field_validator("base_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in list_currencies():
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (EUR, USD, BRL…)")
        return code

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


# The sections cruscotto.yaml may have at the top level, and what each holds. A feature
# that adds a section to the file declares it here, so the file can still be checked.
SECTIONS: dict[str, str] = {
    "company": "the company's settings (base currency, time zone, fiscal year…)",
    "kpis": "KPI target overrides and custom KPIs (docs/kpi-catalog.md)",
    "goals": "default goals and who may set them (docs/goals.md)",
    "alerts": "default alert rules and digests (docs/alerts.md)",
    "mail": "the SMTP server e-mails go through (docs/alerts.md)",
}
_SECTION_KEYS: dict[str, tuple[str, ...]] = {"company": tuple(CompanySettings.model_fields)}


@dataclass
class SettingsError(ValueError):
    """A setting that is unknown, misplaced or has a wrong value.

    `problem` is one of "unknown", "misplaced", "invalid", "unreadable"; `key` is the
    dotted path of the setting (`company.base_currency`); `belongs` is where a misplaced
    key should go. The web shows these in the user's language from the fields; the
    message is the English sentence for the CLI and logs.
    """

    file: str
    key: str
    problem: str
    detail: str
    belongs: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.detail}"


def config_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG)


def read_config(path: str | Path | None = None) -> dict[str, Any]:
    """The whole config file as a mapping ({} when there is none), checked."""
    file = config_path(path)
    if not file.exists():
        return {}
    data = _parse(file.read_text(encoding="utf-8"), str(file))
    check_config(data, str(file))
    return data


def _parse(text: str, file: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(file, "", "unreadable", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(file, "", "unreadable", "expected a mapping (key: value) at the top")
    return data


def check_config(data: dict[str, Any], file: str = DEFAULT_CONFIG) -> None:
    """Refuse unknown or misplaced keys and wrong values, naming the key and its place."""
    for key in data:
        if key in SECTIONS:
            continue
        home = _section_of(str(key))
        if home is not None:
            detail = (
                f"`{key}` is not a top-level setting; it belongs under `{home}:` "
                f"(write it indented below a line `{home}:`)"
            )
            raise SettingsError(file, str(key), "misplaced", detail, belongs=home)
        raise SettingsError(file, str(key), "unknown", _unknown(str(key), list(SECTIONS), "top"))
    company = data.get("company")
    if company is None:
        return
    if not isinstance(company, dict):
        raise SettingsError(
            file, "company", "invalid", "`company:` must hold settings (key: value)"
        )
    for key in company:
        if key in _SECTION_KEYS["company"]:
            continue
        if key in SECTIONS:
            detail = f"`company.{key}` is a section of its own: move `{key}:` to the top level"
            raise SettingsError(file, f"company.{key}", "misplaced", detail, belongs="")
        known = list(_SECTION_KEYS["company"])
        raise SettingsError(file, f"company.{key}", "unknown", _unknown(str(key), known, "company"))
    company_settings(company, file)


def _section_of(key: str) -> str | None:
    for section, keys in _SECTION_KEYS.items():
        if key in keys:
            return section
    return None


def _unknown(key: str, known: list[str], where: str) -> str:
    place = "at the top level" if where == "top" else f"under `{where}:`"
    guess = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean `{guess[0]}`?" if guess else ""
    return f"unknown setting `{key}` {place}{hint} (known: {', '.join(known)})"


def company_settings(values: dict[str, Any], file: str = DEFAULT_CONFIG) -> CompanySettings:
    """`CompanySettings` from the `company:` section; a wrong value names its key."""
    try:
        return CompanySettings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        value = values.get(name, "")
        raise SettingsError(
            file, f"company.{name}", "invalid", f"company.{name} = {value!r}: {message}"
        ) from None


def load_company(path: str | Path | None = None) -> CompanySettings:
    data = read_config(path)
    return company_settings(data.get("company") or {}, str(config_path(path)))


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


SECTIONS["security"] = "what the web app allows: imports by managers, limits, sessions, logins"
_SECTION_KEYS["security"] = tuple(SecuritySettings.model_fields)


# The keys of the alerts sections (docs/alerts.md), so a misplaced one is pointed home.
_SECTION_KEYS["alerts"] = ("rules", "evaluate_every_minutes", "base_url")
_SECTION_KEYS["mail"] = ("smtp_url", "from")
SECTIONS["digests"] = "when digests are sent (docs/alerts.md)"
_SECTION_KEYS["digests"] = ("hour",)


def load_security(path: str | Path | None = None) -> SecuritySettings:
    return SecuritySettings(**(read_config(path).get("security") or {}))


# -- changing one setting ---------------------------------------------------------------


def save_company_setting(
    key: str,
    value: Any,
    path: str | Path | None = None,
    *,
    warehouse: Warehouse | None = None,
    username: str = "",
    address: str | None = None,
) -> tuple[Any, CompanySettings]:
    """Set `company.<key>` to `value` in the config file, after checking it; returns the
    value it had before and the company settings now in force.

    With a `warehouse`, the change is recorded in its audit trail as `username` (from
    `address`), so the CLI and the web settings page cannot forget to.

    The value is checked as the whole company section would be on load (a currency must
    be an ISO 4217 code, a time zone an IANA name…) and stored as the type the setting
    has (`"4"` for a month becomes 4). The rest of the file, comments included, is kept:
    only the one line changes (or is added under `company:`). The write is atomic.
    """
    file = config_path(path)
    name = key.removeprefix("company.")
    if name not in _SECTION_KEYS["company"]:
        known = list(_SECTION_KEYS["company"])
        raise SettingsError(
            str(file), f"company.{name}", "unknown", _unknown(name, known, "company")
        )
    text = file.read_text(encoding="utf-8") if file.exists() else ""
    data = _parse(text, str(file))
    check_config(data, str(file))
    current = dict(data.get("company") or {})
    before = current.get(name, CompanySettings.model_fields[name].default)
    current[name] = value
    settings = company_settings(current, str(file))
    stored = getattr(settings, name)
    updated = _with_company_line(text, name, stored)
    if (_parse(updated, str(file)).get("company") or {}).get(name) != stored:
        # A layout the line edit cannot follow (flow style, anchors): write the file anew.
        data["company"] = {**(data.get("company") or {}), name: stored}
        updated = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    temporary = file.with_name(f".{file.name}.tmp")
    temporary.write_text(updated, encoding="utf-8")
    os.replace(temporary, file)
    if warehouse is not None:
        from cruscotto import audit  # settings sit below the warehouse; audit above it

        with warehouse.transaction():
            audit.record(
                warehouse,
                username=username,
                action="settings.set",
                target=f"company.{name}",
                before=before,
                after=stored,
                address=address,
            )
    return before, settings


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True).removesuffix("\n...\n").strip()


def _with_company_line(text: str, name: str, value: Any) -> str:
    """`text` with `name: value` set in its `company:` block, the rest untouched."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"company:\s*(#.*)?$", line)), None)
    if start is None:
        tail = "" if not text or text.endswith("\n") else "\n"
        return f"{text}{tail}company:\n  {name}: {_scalar(value)}\n"
    end, indent = start + 1, "  "
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        if lines[end].strip() and not lines[end].lstrip().startswith("#"):
            indent = lines[end][: len(lines[end]) - len(lines[end].lstrip())]
        end += 1
    setting = re.compile(rf"(\s+){re.escape(name)}:\s*[^#]*?(\s+#.*)?$")
    for i in range(start + 1, end):
        found = setting.fullmatch(lines[i])
        if found:
            lines[i] = f"{found.group(1)}{name}: {_scalar(value)}{found.group(2) or ''}"
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, f"{indent}{name}: {_scalar(value)}")
    return "\n".join(lines) + "\n"
