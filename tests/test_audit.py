"""The audit trail records who changed what, from where, with the values before and after."""

from cruscotto import audit
from cruscotto.warehouse import connect


def test_entries_come_back_newest_first_with_their_values(tmp_path):
    warehouse = connect(f"duckdb://{tmp_path / 'audit.duckdb'}")
    audit.record(warehouse, username="ann", action="target.set", target="win_rate", after=0.3)
    audit.record(
        warehouse,
        username="bob",
        action="target.set",
        target="win_rate",
        before=0.3,
        after={"value": 0.35, "note": "Q4 push"},
        address="10.0.0.7",
    )

    latest, first = audit.entries(warehouse)

    assert (latest.username, latest.address, latest.before) == ("bob", "10.0.0.7", 0.3)
    assert latest.after == {"value": 0.35, "note": "Q4 push"}
    assert (first.username, first.address, first.before, first.after) == ("ann", None, None, 0.3)
    assert latest.at >= first.at
