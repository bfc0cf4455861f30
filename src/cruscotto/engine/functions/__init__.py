"""KPI functions: the KPIs no declaration can express, written once each on a
`KpiScope`, with their one registry, by business area."""
