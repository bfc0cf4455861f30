"""The canonical data model (SPEC §2), declared once."""

from cruscotto.model.declaration import Column, ForeignKey, Table
from cruscotto.model.tables import BY_NAME, TABLES, table

__all__ = ["BY_NAME", "TABLES", "Column", "ForeignKey", "Table", "table"]
