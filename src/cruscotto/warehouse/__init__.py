"""Connecting to an Ibis backend, transactional loads."""

from cruscotto.warehouse.connection import (
    Warehouse,
    WarehouseError,
    conform,
    connect,
    resolve_url,
)

__all__ = ["Warehouse", "WarehouseError", "conform", "connect", "resolve_url"]
