"""The data rules every KPI, report and model shares: dimensions, currency, who is a
customer, recurring revenue, rows of the catalog, records, stage order, trend parts."""
