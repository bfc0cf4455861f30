"""Report files in the reader's language: the words a report's CSV and XLSX are written in.

Reports (cruscotto.reports) label their columns in English and hold codes (`won`,
`paid_search`, `on_target`, True). The page turns them into the reader's words in its
template; the files get the same words from `ReportReader`, given to the one export door
(cruscotto.reports.export): "Tasso di vincita (%)", "Vinta", "Ricerca a pagamento", "sì".
Numbers, dates and ids stay as they are; the CSV dialect writes the numbers.
"""

from __future__ import annotations

from typing import Any

from cruscotto.catalog import Catalog
from cruscotto.reports.export import Reader
from cruscotto.reports.report import Note, ReportTable
from cruscotto.web.access import Access
from cruscotto.web.report_notes import note_text
from cruscotto.web.values import ValueText

# Report columns holding codes the catalog translates (`value.<kind>.<code>`); the page's
# template (reports/report.html) reads this same list.
CODED_COLUMNS = (
    "status",
    "stage",
    "reason",
    "channel",
    "pipeline",
    "area",
    "unit",
    "forecast_category",
    "role",
)


class ReportReader(Reader):
    """A report's words for `who`: labels, codes, yes/no, notes and periods in their
    language; KPI names from the company's catalog."""

    def __init__(self, who: Access, catalog: Catalog) -> None:
        self.who = who
        self.catalog = catalog
        self.values = ValueText(who.language)

    def label(self, text: str) -> str:
        key = f"report.label.{text}"
        said = self.who.t(key)
        return text if said == key else said

    def value(self, column: str, value: Any, row: dict[str, Any]) -> Any:
        if isinstance(value, bool):
            return self.values.value(column, value)
        summary_row = "kpi_id" in row
        if summary_row and column == "status":  # a KPI's status, as its card says it
            return self.who.t(f"status.{value}", n=self.who.fmt.number(row.get("sample_size")))
        if summary_row and column == "name" and row["kpi_id"] in self.catalog:
            return self.who.t.pick(self.catalog.get(row["kpi_id"]).name)
        if column in CODED_COLUMNS:
            return self.values.value(column, value)
        return self.label(value)

    def note(self, note: Note) -> str:
        return note_text(note.to_dict(), self.who, self.catalog)

    def period(self, label: str) -> str:
        return self.who.fmt.period(label)

    def dimension(self, name: str) -> str:
        return self.who.t(f"dimension.{name}")

    def sheet(self, table: ReportTable) -> str:
        return self.label(table.title)
