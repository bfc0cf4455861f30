"""Alert rules as data: what to watch, for whom, how loudly.

A rule is one row of `alert_rules`: a kind (below), its parameters, a scope, recipients,
a severity and a reminder interval. Rules are written from the web (admin, or a manager
for their own teams), the CLI and the JSON API through `RuleStore`, which validates them
(`RuleError` names the field) and records every change in the audit trail; the defaults
of `cruscotto.yaml` (`alerts: rules:`) are added the first time the store is opened.

Kinds (their parameters and defaults are in `PARAMETERS`, documented in docs/alerts.md):

* threshold — a KPI below/above a value or its target;
* change — a KPI against the previous period or the same one last year, in percent or
  points;
* unusual — a KPI outside the range its own history predicts (alerts.usual), optionally
  also a steady slide in the bad direction (`drift`);
* goal_at_risk — a running goal (cruscotto.goals) whose probability of being reached
  is below `probability_below`;
* deal_stalled — open deals with no activity for `idle_days`, or in their stage longer
  than that stage's usual 90th percentile;
* ticket_sla — open tickets past their resolution deadline;
* churn_signals — customers showing at least `min_signals` named signals (the churn-risk
  model's probability of at least `risk_above` is one, when the caller gives it);
* stale_source — a data source with nothing new for `days` (or twice its usual gap);
* import_rejects — an import in the last `days` that refused rows.

Scope: `company`, `team:NAME`, `rep:ID`, or `each:DIMENSION` (each rep, each team, each
channel…) to fan out — one check, and one alert, per value.
Recipients: `user:NAME`, `role:ROLE`, `email:ADDRESS`, `webhook:URL`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from cruscotto import audit
from cruscotto.alerts.store import app_table, replace_all, utc_now
from cruscotto.catalog import Catalog
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.refusal import Refusal
from cruscotto.warehouse import Warehouse

KPI_KINDS = ("threshold", "change", "unusual")
GOAL_KINDS = ("goal_at_risk",)
RECORD_KINDS = ("deal_stalled", "ticket_sla", "churn_signals", "stale_source", "import_rejects")
KINDS = (*KPI_KINDS, *GOAL_KINDS, *RECORD_KINDS)
SEVERITIES = ("info", "warning", "critical")
GRAINS = ("day", "week", "month", "quarter")
ROLES = ("admin", "manager", "rep", "viewer")
# Record alerts follow the owner of the record: they can be scoped by rep or team only.
RECORD_DIMENSIONS = ("rep", "team")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Each kind's parameters: name -> (default, allowed values or a type).
PARAMETERS: dict[str, dict[str, tuple[Any, Any]]] = {
    "threshold": {
        "op": ("below", ("below", "above")),
        "value": (None, float),
        "reference": ("value", ("value", "target")),
    },
    "change": {
        "versus": ("previous", ("previous", "last_year")),
        "measure": ("percent", ("percent", "points")),
        "op": ("below", ("below", "above")),
        "value": (None, float),
    },
    "unusual": {"side": ("adverse", ("adverse", "any")), "drift": (False, bool)},
    "goal_at_risk": {"probability_below": (0.5, float)},
    "deal_stalled": {"idle_days": (21, int), "stage_percentile": (90, int)},
    "ticket_sla": {},
    "churn_signals": {
        "min_signals": (3, int),
        "risk_above": (0.5, float),
        "contract_days": (60, int),
        "activity_drop": (0.5, float),
        "detractor_days": (180, int),
        "complaint_days": (90, int),
    },
    "stale_source": {"days": (7, int)},
    "import_rejects": {"days": (7, int)},
}

# The rules a company starts with when cruscotto.yaml sets none (`alerts: rules:`): the
# record alerts, the steady slide of a channel's conversion and an unusual stage length.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"name": "Stalled deals", "kind": "deal_stalled"},
    {"name": "Customers showing churn signals", "kind": "churn_signals", "severity": "critical"},
    {"name": "Tickets past their SLA", "kind": "ticket_sla"},
    {
        "name": "Lead conversion unusual or sliding, by channel",
        "kind": "unusual",
        "kpi": "lead_conversion_rate",
        "scope": "each:channel",
        "params": {"drift": True},
    },
    {
        "name": "Time in stage unusual, by stage",
        "kind": "unusual",
        "kpi": "stage_duration",
        "scope": "each:stage",
    },
    {
        "name": "Win rate unusual, by team",
        "kind": "unusual",
        "kpi": "win_rate",
        "scope": "each:team",
    },
    {"name": "Goals at risk", "kind": "goal_at_risk"},
    {"name": "Stale data sources", "kind": "stale_source", "severity": "info"},
    {"name": "Imports with refused rows", "kind": "import_rejects", "severity": "info"},
)

ALERT_RULES = Table(
    "alert_rules",
    "An alert rule: what to watch, in which scope, who hears about it and how loudly.",
    (
        C("rule_id", "string", "Identifier of the rule", nullable=False),
        C("name", "string", "Name people read", nullable=False),
        C("kind", "string", "What the rule watches", nullable=False, allowed=KINDS),
        C("kpi", "string", "The KPI watched (KPI kinds)"),
        C("grain", "string", "Period judged: the last complete one of this grain"),
        C("params", "string", "The kind's parameters, as JSON", nullable=False),
        C("scope", "string", "company, team:NAME, rep:ID or each:DIMENSION", nullable=False),
        C("recipients", "string", "user:, role:, email:, webhook: entries, as JSON"),
        C("severity", "string", "info, warning or critical", nullable=False),
        C("reminder_hours", "int", "Re-send an alert still holding after this long"),
        C("enabled", "bool", "Whether the rule is evaluated", nullable=False),
        C("within", "string", "The part of the company it may look at, as JSON filters"),
        C("created_by", "string", "Who wrote the rule", nullable=False),
        C("updated_at", "timestamp", "When it was last written (UTC)", nullable=False),
    ),
    primary_key=("rule_id",),
)


class RuleError(Refusal):
    """A rule that cannot be saved; `field` names the part that is wrong."""

    def __init__(
        self, field_name: str, message: str, *, code: str | None = None, **params: Any
    ) -> None:
        super().__init__(f"{field_name}: {message}", code=code, **params)
        self.field = field_name


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    scope: str = "company"
    kpi: str | None = None
    grain: str = "month"
    params: dict[str, Any] = field(default_factory=dict)
    recipients: tuple[str, ...] = ()
    severity: str = "warning"
    reminder_hours: int | None = None
    enabled: bool = True
    rule_id: str = ""
    created_by: str = ""
    # The part of the company a rule may look at: a manager's rules stay in their teams
    # ({"team": [...]}), even when they fan out over each rep.
    within: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fan_out(self) -> str | None:
        """The dimension a rule fans out over (each:rep → rep), else None."""
        return self.scope.removeprefix("each:") if self.scope.startswith("each:") else None

    @property
    def fixed_filters(self) -> dict[str, list[str]]:
        """The filters of a single-scope rule (team:X → {"team": ["X"]})."""
        if self.scope == "company" or self.fan_out:
            return {}
        dimension, value = self.scope.split(":", 1)
        return {dimension: [value]}

    def param(self, name: str) -> Any:
        return self.params.get(name, PARAMETERS[self.kind][name][0])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recipients"] = list(self.recipients)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """A rule from JSON / YAML / a form (unknown keys are an error, not ignored)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise RuleError(sorted(unknown)[0], "unknown field")
        values = dict(data)
        recipients = values.get("recipients") or ()
        if isinstance(recipients, str):
            recipients = [r.strip() for r in recipients.split(",") if r.strip()]
        if not isinstance(recipients, list | tuple):
            raise RuleError("recipients", "a list of user:, role:, email: or webhook: entries")
        values["recipients"] = tuple(recipients)
        values["params"] = values.get("params") or {}
        values["within"] = {k: list(v) for k, v in dict(values.get("within") or {}).items()}
        return cls(**values)


# The type each field of a rule must have (a form or JSON can send anything).
_FIELD_TYPES = {
    "name": str,
    "kind": str,
    "scope": str,
    "grain": str,
    "severity": str,
    "enabled": bool,
    "params": dict,
    "within": dict,
}


def validate(rule: Rule, catalog: Catalog) -> Rule:
    """The rule with its parameters checked and completed, or RuleError."""
    for name, kind in _FIELD_TYPES.items():
        if not isinstance(getattr(rule, name), kind):
            raise RuleError(name, f"expected {kind.__name__}, got {getattr(rule, name)!r}")
    if rule.kpi is not None and not isinstance(rule.kpi, str):
        raise RuleError("kpi", f"expected a KPI id, got {rule.kpi!r}")
    if rule.reminder_hours is not None and (
        isinstance(rule.reminder_hours, bool) or not isinstance(rule.reminder_hours, int)
    ):
        raise RuleError("reminder_hours", f"expected whole hours, got {rule.reminder_hours!r}")
    if not all(isinstance(r, str) for r in rule.recipients):
        raise RuleError("recipients", "each recipient is a text like user:NAME")
    if not rule.name.strip():
        raise RuleError("name", "give the rule a name", code="name")
    if rule.kind not in KINDS:
        raise RuleError("kind", f"unknown kind {rule.kind!r}; use one of {', '.join(KINDS)}")
    if rule.severity not in SEVERITIES:
        raise RuleError("severity", f"use one of {', '.join(SEVERITIES)}")
    if rule.grain not in GRAINS:
        raise RuleError("grain", f"use one of {', '.join(GRAINS)}")
    if rule.reminder_hours is not None and rule.reminder_hours < 1:
        raise RuleError(
            "reminder_hours", "a reminder interval is at least one hour", code="reminder"
        )
    dimensions: Iterable[str] = RECORD_DIMENSIONS
    if rule.kind in KPI_KINDS:
        if not rule.kpi or rule.kpi not in catalog:
            raise RuleError("kpi", f"unknown KPI {rule.kpi!r}", code="kpi", kpi=rule.kpi)
        dimensions = catalog.get(rule.kpi).dimensions
    elif rule.kind in GOAL_KINDS:
        if rule.kpi and rule.kpi not in catalog:
            raise RuleError("kpi", f"unknown KPI {rule.kpi!r}", code="kpi", kpi=rule.kpi)
    elif rule.kpi:
        raise RuleError("kpi", f"a {rule.kind} rule watches records, not a KPI")
    _check_scope(rule.scope, dimensions)
    params = _check_params(rule.kind, rule.params)
    to_target = rule.kind == "threshold" and params.get("reference") == "target"
    if rule.kind in ("threshold", "change") and params.get("value") is None and not to_target:
        raise RuleError("params.value", "give the value to compare with", code="value")
    if to_target and catalog.get(rule.kpi).target is None:
        raise RuleError(
            "params.reference",
            f"{rule.kpi} has no target in the catalog",
            code="no_target",
            kpi=rule.kpi,
        )
    if rule.kind in GOAL_KINDS and not 0 < params["probability_below"] <= 1:
        raise RuleError(
            "params.probability_below", "a probability between 0 and 1", code="probability"
        )
    for recipient in rule.recipients:
        _check_recipient(recipient)
    for dimension in rule.within:
        if dimension not in RECORD_DIMENSIONS:
            raise RuleError("within", f"a rule can be kept within teams or reps, not {dimension}")
    return replace(rule, name=rule.name.strip(), params=params)


def _check_scope(scope: str, dimensions: Iterable[str]) -> None:
    if scope == "company":
        return
    kind, _, value = scope.partition(":")
    allowed = list(dimensions)
    if kind == "each":
        if value not in allowed:
            raise RuleError(
                "scope",
                f"cannot fan out over {value!r}; use one of {allowed}",
                code="split",
                dimension=value,
            )
        return
    if kind in allowed and value:
        return
    raise RuleError("scope", "write company, team:NAME, rep:ID or each:DIMENSION")


def _check_params(kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
    spec = PARAMETERS[kind]
    unknown = set(given) - set(spec)
    if unknown:
        raise RuleError(f"params.{sorted(unknown)[0]}", f"not a parameter of {kind}")
    params = {}
    for name, (default, allowed) in spec.items():
        value = given.get(name, default)
        if value is None:
            params[name] = None
        elif isinstance(allowed, tuple):
            if value not in allowed:
                raise RuleError(f"params.{name}", f"use one of {', '.join(allowed)}")
            params[name] = value
        else:
            params[name] = _typed(name, value, allowed)
    return params


def _typed(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise RuleError(
            f"params.{name}", f"not a number: {value!r}", code="number", value=value
        ) from None
    if kind is int and number < 0:
        raise RuleError(f"params.{name}", "cannot be negative", code="negative")
    return number


def _check_recipient(recipient: str) -> None:
    kind, _, value = recipient.partition(":")
    if kind == "role" and value in ROLES:
        return
    if kind == "user" and value:
        return
    if kind == "email" and _EMAIL.match(value):
        return
    if kind == "webhook" and value.startswith(("http://", "https://")):
        return
    raise RuleError(
        "recipients",
        f"{recipient!r}: write user:NAME, role:ROLE, email:ADDRESS or webhook:https://…",
        code="recipient",
        recipient=recipient,
    )


class RuleStore:
    """The rules of one warehouse: read, write (validated and audited), defaults."""

    def __init__(self, warehouse: Warehouse, catalog: Catalog) -> None:
        self.warehouse = warehouse.state_store
        self.catalog = catalog
        self.warehouse.ensure_tables([ALERT_RULES])

    def list(self) -> list[Rule]:
        table = app_table(self.warehouse, ALERT_RULES)
        rows = self.warehouse.to_pyarrow(table.order_by(table.name)).to_pylist()
        return [_from_row(row) for row in rows]

    def get(self, rule_id: str) -> Rule:
        for rule in self.list():
            if rule.rule_id == rule_id:
                return rule
        raise RuleError("rule_id", f"there is no rule {rule_id!r}")

    def save(self, rule: Rule, *, username: str, address: str | None = None) -> Rule:
        """Create (no rule_id) or replace a rule; returns it as stored."""
        rule = validate(rule, self.catalog)
        rules = {r.rule_id: r for r in self.list()}
        before = rules.get(rule.rule_id) if rule.rule_id else None
        if rule.rule_id and before is None:
            raise RuleError("rule_id", f"there is no rule {rule.rule_id!r}")
        rule = replace(
            rule,
            rule_id=rule.rule_id or uuid.uuid4().hex[:12],
            created_by=before.created_by if before else rule.created_by or username,
        )
        rules[rule.rule_id] = rule
        with self.warehouse.transaction(app_state=True):  # no KPI reads alert rules
            self._write(rules.values())
            audit.record(
                self.warehouse,
                username=username,
                address=address,
                action="alert_rule.update" if before else "alert_rule.add",
                target=rule.rule_id,
                before=before.to_dict() if before else None,
                after=rule.to_dict(),
            )
        return rule

    def remove(self, rule_id: str, *, username: str, address: str | None = None) -> None:
        rules = {r.rule_id: r for r in self.list()}
        before = rules.pop(rule_id, None)
        if before is None:
            raise RuleError("rule_id", f"there is no rule {rule_id!r}")
        with self.warehouse.transaction(app_state=True):  # no KPI reads alert rules
            self._write(rules.values())
            audit.record(
                self.warehouse,
                username=username,
                address=address,
                action="alert_rule.remove",
                target=rule_id,
                before=before.to_dict(),
            )

    def add_defaults(self, entries: Iterable[Mapping[str, Any]]) -> list[Rule]:
        """Add the default rules the first time rules are used: never again once any
        rule was written (an admin who removed them all meant it — the audit trail
        remembers)."""
        if self.list() or self._ever_written():
            return []
        return [
            self.save(
                Rule.from_dict({"created_by": "cruscotto.yaml", **entry}),
                username="config:defaults",
                address="config",
            )
            for entry in entries
        ]

    def _ever_written(self) -> bool:
        log = app_table(self.warehouse, audit.AUDIT_LOG)
        written = log.filter(log.action.startswith("alert_rule.")).count()
        return bool(self.warehouse.execute(written))

    def _write(self, rules: Iterable[Rule]) -> None:
        now = utc_now()
        replace_all(self.warehouse, ALERT_RULES, [_to_row(rule, now) for rule in rules])


def _to_row(rule: Rule, now: dt.datetime) -> dict[str, Any]:
    return {
        "rule_id": rule.rule_id,
        "name": rule.name,
        "kind": rule.kind,
        "kpi": rule.kpi,
        "grain": rule.grain,
        "params": json.dumps(rule.params, sort_keys=True),
        "scope": rule.scope,
        "recipients": json.dumps(list(rule.recipients)),
        "severity": rule.severity,
        "reminder_hours": rule.reminder_hours,
        "enabled": rule.enabled,
        "within": json.dumps(rule.within, sort_keys=True),
        "created_by": rule.created_by,
        "updated_at": now,
    }


def _from_row(row: Mapping[str, Any]) -> Rule:
    return Rule(
        name=row["name"],
        kind=row["kind"],
        scope=row["scope"],
        kpi=row["kpi"],
        grain=row["grain"] or "month",
        params=json.loads(row["params"] or "{}"),
        recipients=tuple(json.loads(row["recipients"] or "[]")),
        severity=row["severity"],
        reminder_hours=row["reminder_hours"],
        enabled=bool(row["enabled"]),
        within=json.loads(row["within"] or "{}"),
        rule_id=row["rule_id"],
        created_by=row["created_by"],
    )
