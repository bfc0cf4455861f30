"""The web app: FastAPI pages and their JSON twins over the KPI engine.

Start with `cruscotto serve`; build it in code with `create_app(warehouse)`.
"""

from cruscotto.web.app import create_app

__all__ = ["create_app"]
