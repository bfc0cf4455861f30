"""Connecting to an Ibis backend, transactional loads."""

from cruscotto.warehouse.connection import (
    QueryTimeout,
    ReadOnlyWarehouse,
    Warehouse,
    WarehouseError,
    conform,
    connect,
    resolve_url,
)

__all__ = [
    "QueryTimeout",
    "ReadOnlyWarehouse",
    "Warehouse",
    "WarehouseError",
    "conform",
    "connect",
    "resolve_url",
]
