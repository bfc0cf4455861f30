"""One local Spark session for the Spark tests (starting one takes seconds).

Spark needs a Java 17 runtime (Debian's openjdk-17-jre-headless, installed by
scripts/install-system-deps.sh). Without one the tests skip, unless
CRUSCOTTO_REQUIRE_SPARK=1 (set by `make test`) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def java() -> None:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CRUSCOTTO_REQUIRE_SPARK") == "1":
            pytest.fail("a Java runtime is required for Spark (CRUSCOTTO_REQUIRE_SPARK=1)")
        pytest.skip("no Java runtime: Spark cannot start")
