"""The layers of the code (model ← warehouse ← catalog ← engine ← reports ← web ← cli)
and the engine's public surface, checked by import-linter with the contracts in
.importlinter: an import that points the wrong way fails `make test`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint(config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    lint = "from importlinter.cli import lint_imports_command as c; c()"
    command = [sys.executable, "-c", lint, "--config", str(config), "--no-cache"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_imports_follow_the_layers_and_the_engine_surface():
    result = _lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_check_catches_an_import_against_the_layers(tmp_path):
    """The same contracts fail when the engine is said to sit above the web: the check
    can fail, so its passing above means something."""
    contracts = (ROOT / ".importlinter").read_text()
    upside_down = contracts.replace(
        "    cruscotto.web\n    cruscotto.reports", "    cruscotto.reports\n    cruscotto.web"
    )
    assert upside_down != contracts
    config = tmp_path / "upside-down.ini"
    config.write_text(upside_down)
    result = _lint(config)
    assert result.returncode != 0
    assert "cruscotto.web is not allowed to import cruscotto.reports" in result.stdout


def test_no_module_of_the_engine_imports_one_that_imports_it_back():
    """The engine's modules form no cycle (aggregate, computations, customers, engine and
    functions did, through the Engine type): computations see the engine only through
    the EngineContext protocol, and KPI functions are found in the registry."""
    import itertools

    import grimp

    graph = grimp.build_graph("cruscotto", cache_dir=None)
    modules = sorted(m for m in graph.modules if m.startswith("cruscotto.engine."))
    cycles = [
        (a, b)
        for a, b in itertools.combinations(modules, 2)
        if graph.chain_exists(a, b) and graph.chain_exists(b, a)
    ]
    assert cycles == []
