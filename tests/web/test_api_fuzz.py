"""Property-based fuzzing of the JSON API as every role (issue 15, item 7).

Schemathesis reads the app's own /openapi.json and generates requests for every GET
operation — path and query parameters of every shape the schema allows, and beyond it
(negative and wrong-typed values) — sent with a bearer token of each role to the app over
the hand-counted company (tests/web/data.py). Each answer must be

- no server error (no 5xx: bad input is a 4xx with a message), and
- nothing outside the role's scope: a rep (Anna Rossi, r1) never receives the name of
  another rep or of another rep's account, a manager of North (Anna and Carla) never
  receives the South rep's (Bruno Bianchi) or his account's (Beta GmbH), and a viewer
  never receives records (the names of reps' accounts).

The example count is bounded (`EXAMPLES` per operation and role), so the run takes a
few minutes; the writes (POST, DELETE) have their own tests (test_bad_input.py,
test_write_permissions.py, test_csrf.py).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = 6
# Names a role must never be sent (tests/web/data.py: r1 Anna Rossi and r3 Carla Verdi
# are North, r2 Bruno Bianchi South; account a1 Alfa Srl is Anna's, a2 Beta GmbH Bruno's).
NEVER_SENT = {
    "rep": ("Bruno Bianchi", "Carla Verdi", "Beta GmbH"),
    "manager": ("Bruno Bianchi", "Beta GmbH"),
    "viewer": ("Alfa Srl", "Beta GmbH"),
    "admin": (),
}


@pytest.fixture(scope="module")
def tokens(company_app) -> dict[str, str]:
    store = company_app.state.users
    return {role: store.issue_token(role, name="fuzz").token for role in NEVER_SENT}


@pytest.mark.parametrize("role", list(NEVER_SENT))
def test_no_server_error_and_nothing_outside_the_scope(company_app, tokens, role):
    schema = schemathesis.openapi.from_asgi("/openapi.json", company_app).include(method="GET")
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def answers_well(case):
            token = {"Authorization": f"Bearer {tokens[role]}"}
            response = case.call(headers=token, timeout=300)
            assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
            leaked = [name for name in NEVER_SENT[role] if name in response.text]
            assert not leaked, (case.as_curl_command(), leaked)

        try:
            answers_well()
        except AssertionError as failure:
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n".join(failures)
    # Every GET of the API was fuzzed, not a filtered few.
    paths = company_app.openapi()["paths"].values()
    assert operations == sum("get" in methods for methods in paths) > 20
