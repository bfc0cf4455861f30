"""`python -m cruscotto.cli …`, the same as the `cruscotto` command."""

from cruscotto.cli import app

app(prog_name="cruscotto")
