"""The scheduler inside `cruscotto serve`: alert evaluation, deliveries and digests.

APScheduler 3.11 (a `BackgroundScheduler`, jobs in memory, times in the company's time
zone) runs:

| job | when |
| --- | --- |
| `alerts.evaluate` | every `alerts: evaluate_every_minutes` (60) minutes |
| `alerts.deliver` | every minute (e-mails, webhooks and failed digests due, with back-off) |
| `digests.daily` | every day at `digests: hour` (7:00) |
| `digests.weekly` | Mondays at that hour |
| `digests.monthly` | the 1st of the month at that hour |

The last run of each job is kept in `scheduler_runs`, so the state survives a restart:
on start, a job whose scheduled time passed while the server was down runs once
(catch-up), not once per missed time. Jobs run in the scheduler's threads, never in a
request's, so no page waits for them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from cruscotto.alerts import store
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.settings import read_config
from cruscotto.warehouse import Warehouse

log = logging.getLogger("cruscotto.scheduler")

SCHEDULER_RUNS = Table(
    "scheduler_runs",
    "When each scheduled job last ran (for catching up after a restart).",
    (
        C("job", "string", "The job", nullable=False),
        C("last_run_at", "timestamp", "When it last ran (UTC)", nullable=False),
    ),
    primary_key=("job",),
)


def last_runs(warehouse: Warehouse) -> dict[str, dt.datetime]:
    warehouse.ensure_tables([SCHEDULER_RUNS])
    table = store.app_table(warehouse, SCHEDULER_RUNS)
    return {r["job"]: r["last_run_at"] for r in warehouse.to_pyarrow(table).to_pylist()}


def record_run(warehouse: Warehouse, job: str, at: dt.datetime) -> None:
    runs = last_runs(warehouse)
    runs[job] = at
    # App state: no KPI reads it. A data change would empty every cached answer, and the
    # alert deliveries run every minute (the warm-up's work was thrown away each minute).
    with warehouse.transaction(app_state=True):
        store.replace_all(
            warehouse, SCHEDULER_RUNS, [{"job": j, "last_run_at": t} for j, t in runs.items()]
        )


def triggers(config: dict[str, Any], timezone) -> dict[str, Any]:
    minutes = int((config.get("alerts") or {}).get("evaluate_every_minutes", 60))
    hour = int((config.get("digests") or {}).get("hour", 7))
    return {
        "alerts.evaluate": IntervalTrigger(minutes=minutes, timezone=timezone),
        "alerts.deliver": IntervalTrigger(minutes=1, timezone=timezone),
        "digests.daily": CronTrigger(hour=hour, minute=0, timezone=timezone),
        "digests.weekly": CronTrigger(day_of_week="mon", hour=hour, minute=0, timezone=timezone),
        "digests.monthly": CronTrigger(day=1, hour=hour, minute=0, timezone=timezone),
    }


def missed(trigger, last_run: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a scheduled time fell between the last run and now (both aware)."""
    if last_run is None:
        return isinstance(trigger, IntervalTrigger)  # never ran: evaluate, but no old digests
    following = trigger.get_next_fire_time(last_run, last_run)
    return following is not None and following <= now


def start(app) -> BackgroundScheduler:
    """Start the jobs for the app (`app.state`), catching up what was missed once."""
    warehouse = app.state.warehouse.state_store
    config = read_config()
    timezone = app.state.settings.tz
    jobs = _jobs(app, config)
    # One worker thread: the jobs take turns (they share the database connection, and an
    # evaluation and a delivery at once would gain nothing on a small server).
    scheduler = BackgroundScheduler(timezone=timezone, executors={"default": ThreadPoolExecutor(1)})
    now = dt.datetime.now(dt.UTC)
    runs = last_runs(warehouse)
    for name, trigger in triggers(config, timezone).items():
        job = _recorded(warehouse, name, jobs[name])
        scheduler.add_job(
            job,
            trigger,
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        last = runs.get(name)
        if missed(trigger, last.replace(tzinfo=dt.UTC) if last else None, now):
            log.info("catching up %s (last run %s)", name, last)
            scheduler.add_job(job, id=f"{name}.catch-up", name=f"{name} (catch-up)")
    scheduler.start()
    return scheduler


def _recorded(warehouse: Warehouse, name: str, work: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        started = store.utc_now()
        try:
            work()
        except Exception:  # a failed run is logged; the next one tries again
            log.warning("scheduled job %s failed", name, exc_info=True)
            return
        record_run(warehouse, name, started)

    return run


def _jobs(app, config: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from cruscotto.alerts.mail import mail_settings
    from cruscotto.web import digests
    from cruscotto.web.alerting import deliver_now, run_alerts
    from cruscotto.web.kpis import engine
    from cruscotto.web.model_services import churn_scores

    request = SimpleNamespace(app=app)  # engine() reads request.app only
    base_url = (config.get("alerts") or {}).get("base_url") or ""

    def evaluate() -> None:
        kpis = engine(request)
        scores = lambda: churn_scores(app, kpis)  # noqa: E731
        run_alerts(kpis, app.state.users, config=config, churn_scores=scores)

    def deliver() -> None:
        kpis = engine(request)
        deliver_now(kpis, config=config)
        digests.retry_due(kpis, app.state.users, mail_settings(config), base_url=base_url, log=log)

    def digest(frequency: str) -> Callable[[], None]:
        def send() -> None:
            digests.send_due(
                engine(request),
                app.state.users,
                frequency,
                mail_settings(config),
                base_url=base_url,
                log=log,
            )

        return send

    return {
        "alerts.evaluate": evaluate,
        "alerts.deliver": deliver,
        **{f"digests.{f}": digest(f) for f in digests.FREQUENCIES},
    }
