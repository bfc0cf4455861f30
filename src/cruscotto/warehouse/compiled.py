"""Compiled SQL kept per connection: an expression asked again is not compiled again.

Ibis compiles an expression to SQL in Python, and at demo scale that takes longer than
the database takes to answer (about a third of the whole catalog's CPU time at scale 1).
Ibis expressions are immutable and compared by structure (tables by name and schema,
literals by value and type, in-memory tables by their generated name), so one equal to
an expression compiled before on the same connection has the same SQL: the questions
every request asks again (the exchange rates' fingerprint, the currency checks, a KPI
asked by the overview and again by its page) reuse it. Only the SQL is kept, never an
answer: the query runs every time, on the data as it is then.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# Compiled statements kept per connection (the least recently used are dropped).
SIZE = 512


class CompiledSql:
    """A connection's `compile`, answering from the SQL of equal expressions."""

    def __init__(self, compile: Callable[..., str], size: int = SIZE) -> None:
        self._compile = compile
        self._size = size
        self._sql: OrderedDict[tuple, str] = OrderedDict()
        self.compiled = 0
        self.reused = 0

    def __call__(self, expr, /, *, limit=None, params=None, pretty: bool = False, **more) -> str:
        if params or more:  # parameters are compiled into the SQL: nothing to reuse
            return self._compile(expr, limit=limit, params=params, pretty=pretty, **more)
        key = (expr.op(), limit, pretty)
        sql = self._sql.get(key)
        if sql is not None:
            self._sql.move_to_end(key)
            self.reused += 1
            return sql
        sql = self._compile(expr, limit=limit, pretty=pretty)
        self.compiled += 1
        self._sql[key] = sql
        if len(self._sql) > self._size:
            self._sql.popitem(last=False)
        return sql


def reuse_compiled_sql(con: Any) -> Any:
    """`con` (an Ibis SQL backend), compiling each distinct expression once."""
    if not isinstance(getattr(con, "compile", None), CompiledSql):
        con.compile = CompiledSql(con.compile)
    return con
