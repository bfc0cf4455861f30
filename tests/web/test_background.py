"""The app's background threads can all be waited for: a test fixture (tests/web/conftest
close_app) and the end of the app's lifespan join them before the warehouse closes; and an
import retrains the models in use when it ends, not on the next request."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from fastapi.testclient import TestClient

from cruscotto.models.deal_scores import data_version
from cruscotto.models.store import latest_runs
from cruscotto.web.background import BackgroundThreads
from cruscotto.web.kpis import engine
from cruscotto.web.model_services import service_of
from tests.web.conftest import login
from tests.web.test_data_pages import GOOD, upload


def test_join_waits_for_threads_and_for_the_threads_they_start():
    threads = BackgroundThreads()
    release, done = threading.Event(), []

    def child() -> None:
        release.wait()
        done.append("child")

    def parent() -> None:
        threads.start(child, name="child")
        done.append("parent")

    threads.start(parent, name="parent")
    assert threads.join(timeout=0) is False  # the child waits for `release`
    release.set()
    assert threads.join() is True
    assert sorted(done) == ["child", "parent"] and threads.running() == []


def test_the_end_of_the_lifespan_waits_for_the_background_threads(app):
    started, release, done = threading.Event(), threading.Event(), []

    def work() -> None:
        started.set()
        release.wait()
        done.append("finished")

    def let_go() -> None:  # not tracked: it only lets the tracked thread finish, later
        started.wait()
        time.sleep(0.3)
        release.set()

    with TestClient(app):
        app.state.background.start(work, name="slow work")
        threading.Thread(target=let_go, daemon=True).start()
    assert done == ["finished"]  # the shutdown joined it (without: still waiting)


def test_an_import_retrains_the_model_in_use_when_it_ends(app):
    kpis = engine(SimpleNamespace(app=app))
    service = service_of(app, "deal_scores")
    service.current(kpis, wait=True)  # in use (nothing to learn from yet)
    before = data_version(kpis)
    assert upload(login(app, "admin"), GOOD).json()["applied"] is True
    app.state.background.join()  # the import's work ends; no page is asked for
    after = data_version(kpis)
    assert after != before
    runs = latest_runs(app.state.warehouse, "close_probability")
    assert runs[0]["data_version"] == after  # trained on the imported deals
    assert service.training is False and service.error is None
