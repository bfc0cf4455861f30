"""Headers on every answer: a Content-Security-Policy, no framing by another site
(clickjacking), no content-type sniffing, no full URLs (with their filters) leaked to
other sites in Referer.

The policy allows scripts from our own origin only (`script-src 'self'`: no inline
script, no `eval`, no other site — the pages keep their code in /static and their data
in `<script type="application/json">` blocks, which are never run), and nothing else
from anywhere else: no framing, no plugins, no `<base>`, forms posting only to us.

Styles: our stylesheet and no `style="…"` in the templates; but plotly.js writes its own
rules into a `<style>` element it creates at load (Lib.addStyleRule; plotly.js issue
2355) and sets style attributes on what it draws: under `style-src 'self'`, or with only
`style-src-elem` opened, Chromium refuses them and the chart fails to draw (tried with
tests/e2e/test_content_security_policy.py), so `style-src` keeps 'unsafe-inline'.
A style cannot run code; scripts stay strict. Images: ours, plus the `data:` and `blob:`
URLs plotly builds for its icons and for "download as PNG".
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = (
    (b"content-security-policy", POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
