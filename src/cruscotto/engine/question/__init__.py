"""What is asked and what is answered: periods, scopes, results, errors, the
statistics of a value and how a KPI accumulates over a period."""
