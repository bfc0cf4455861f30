"""Alerts: what is unusual, rules that watch the KPIs and records, and their delivery."""
