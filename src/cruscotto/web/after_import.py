"""What the app does when an import ends, off the request, in one tracked thread
(cruscotto.web.background): the models in use are retrained on the new data (the previous
ones serve until then), then the alert rules are evaluated, with the fresh churn risk."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

from cruscotto.web.alerting import evaluate_after_import
from cruscotto.web.background import background
from cruscotto.web.model_services import churn_scores, retrain_after_import

log = logging.getLogger("cruscotto.web")


def after_import(app, *, new_data: bool) -> threading.Thread:
    """Start the work; `new_data` False (only rejects) skips the retraining."""
    return background(app).start(_work, app, new_data, name="cruscotto-after-import")


def _work(app, new_data: bool) -> None:
    from cruscotto.web.kpis import engine

    kpis = engine(SimpleNamespace(app=app))
    if new_data:
        try:
            retrain_after_import(app, kpis)
        except Exception:  # the import succeeded; a failed retraining is only logged
            log.warning("retraining after an import failed", exc_info=True)
    try:
        evaluate_after_import(kpis, app.state.users, lambda: churn_scores(app, kpis))
    except Exception:  # the import succeeded; a failed evaluation is only logged
        log.warning("alert evaluation after an import failed", exc_info=True)
