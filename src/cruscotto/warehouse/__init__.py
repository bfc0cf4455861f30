"""Connecting to an Ibis backend, transactional loads."""

from cruscotto.warehouse.connection import (
    QueryTimeout,
    Warehouse,
    WarehouseError,
    conform,
    connect,
    resolve_url,
)

__all__ = ["QueryTimeout", "Warehouse", "WarehouseError", "conform", "connect", "resolve_url"]
