"""`cruscotto serve`: the web app on this machine; and `serve_demo`, used by `cruscotto demo`."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import State, console, state
from cruscotto.cli.through_server import write_control
from cruscotto.demo.company import NAME as DEMO_COMPANY_NAME
from cruscotto.settings import CompanySettings, load_company
from cruscotto.warehouse import Warehouse

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]

# One login per role, with passwords printed on start: the demo is a local showcase. The
# passwords are new each run (a demo left listening on a network is not an open door).
DEMO_USERS = (("admin", "admin"), ("manager", "manager"), ("rep", "rep"), ("viewer", "viewer"))


def serve(
    ctx: typer.Context,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    cache_seconds: Annotated[
        float | None,
        typer.Option(
            help="At most how long computed KPI answers are reused (0: never); "
            "without it, until the data changes."
        ),
    ] = None,
) -> None:
    """Serve the dashboard, KPI pages and JSON API (http://HOST:PORT)."""
    run(state(ctx), host, port, cache_seconds)


def run(
    app_state: State,
    host: str,
    port: int,
    cache_seconds: float | None = None,
    settings: CompanySettings | None = None,
) -> None:
    import uvicorn

    from cruscotto.web import create_app
    from cruscotto.web.users import UserStore

    warehouse = app_state.warehouse()
    if not UserStore(warehouse).list():
        console.print(
            "[yellow]no users yet:[/] add one with "
            "`cruscotto user add NAME --role admin` (or run `cruscotto demo`)."
        )
    console.print(f"serving {warehouse.url} on [bold]http://{host}:{port}[/]  (Ctrl+C stops)")
    app = create_app(warehouse, settings, cache_seconds=cache_seconds, warm=True, scheduler=True)
    # The CLI's user and reading commands reach the database through this server while it
    # holds the file (cli/through_server).
    control = write_control(app_state.db_url, host, port)
    app.state.control_secret = control[1] if control else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if control:
            control[0].unlink(missing_ok=True)


def serve_demo(app_state: State, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Create one demo login per role, print them, and serve the demo company."""
    logins = create_demo_users(app_state.warehouse())
    out = RichTable(title="Demo logins")
    for heading in ("user", "password", "role", "sees"):
        out.add_column(heading)
    for username, password, role, scope in logins:
        out.add_row(username, password, role, scope)
    console.print(out)
    run(app_state, host, port, settings=demo_settings())


def demo_settings() -> CompanySettings:
    """The company settings, named after the demo company unless cruscotto.yaml names it."""
    settings = load_company()
    if settings.name:
        return settings
    return settings.model_copy(update={"name": DEMO_COMPANY_NAME})


def create_demo_users(warehouse: Warehouse) -> list[tuple[str, str, str, str]]:
    """(Re)create the demo users; the rep is the first active account executive."""
    from cruscotto.web.users import UserStore

    store = UserStore(warehouse)
    rep_id, team = first_account_executive(warehouse)
    existing = {u.username for u in store.list()}
    logins = []
    for username, role in DEMO_USERS:
        password = f"{username}-demo-{secrets.token_hex(3)}"
        if username in existing:
            store.remove(username)
        store.add(
            username,
            password,
            role,
            rep_id=rep_id if role == "rep" else None,
            teams=[team] if role == "manager" else (),
        )
        scope = {
            "admin": "everything",
            "manager": f"team {team}",
            "rep": f"own records of {_rep_name(warehouse, rep_id)} ({rep_id})",
            "viewer": "dashboards only",
        }[role]
        logins.append((username, password, role, scope))
    return logins


def _rep_name(warehouse: Warehouse, rep_id: str) -> str:
    reps = warehouse.table("reps")
    found = warehouse.to_pyarrow(reps.filter(reps.rep_id == rep_id).select("name")).to_pylist()
    return found[0]["name"] if found else rep_id


def first_account_executive(warehouse: Warehouse) -> tuple[str, str]:
    """(rep_id, team) of the first active AE by id, else of the first active person."""
    reps = warehouse.table("reps")
    active = reps.filter(reps.active).order_by(reps.rep_id)
    for candidates in (active.filter(active.role == "ae"), active):
        found = warehouse.to_pyarrow(candidates.select("rep_id", "team").limit(1)).to_pylist()
        if found:
            return found[0]["rep_id"], found[0]["team"] or "default"
    raise typer.BadParameter("the reps table is empty: generate or import data first")
