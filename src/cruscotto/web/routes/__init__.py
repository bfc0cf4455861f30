"""Route modules: each module here that defines `router` (a FastAPI APIRouter) is included
by the app factory, in alphabetical order of module name. Add a module to add pages; see
`cruscotto.web.pages` for registering a page with its JSON twin.
"""
