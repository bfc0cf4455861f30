"""The declared KPI types (measures, ratios, snapshots, derived) and the planner that
turns a batch of them into grouped queries."""
