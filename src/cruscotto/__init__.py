"""Cruscotto: the KPIs that run a B2B service company, from the data it already has."""

__version__ = "0.1.0"


def open(db=None, config=None, today=None):  # noqa: A001 - mirrors the built-in on purpose
    """The KPI engine on a database (see cruscotto.api).

    `cruscotto.open("cruscotto.duckdb").value("win_rate", "2026-Q3")`

    Imported lazily so that `import cruscotto` stays fast for the CLI.
    """
    from cruscotto.api import open as open_engine

    return open_engine(db, config, today)


__all__ = ["__version__", "open"]
