"""Real local servers for delivery tests: an SMTP server (aiosmtpd) and a webhook receiver."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message) pairs."""

    received: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message, session.authenticated))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    username: str | None = None, password: str | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[tuple]:
    """(mailbox, port) of an SMTP server on 127.0.0.1; with a user, LOGIN/PLAIN required;
    with `tls`, STARTTLS is offered and required before anything else (port 587's way)."""
    mailbox = Mailbox()
    port = free_port()
    options: dict = {"tls_context": tls, "require_starttls": True} if tls else {}
    if username:

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            ) == (username, password)
            return AuthResult(success=ok)

        options |= {
            "authenticator": authenticator,
            "auth_require_tls": tls is not None,
            "auth_required": True,
        }
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@contextmanager
def webhook_receiver(failures: int) -> Iterator[tuple]:
    """(calls, url): answers 500 to the first `failures` posts, then 200; `calls` lists
    (status answered, JSON body) for every post."""
    calls: list[tuple[int, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = 500 if len(calls) < failures else 200
            calls.append((status, body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield calls, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, made by the openssl command (a test-only tool that
    scripts/install-system-deps.sh installs)."""
    certificate, key = folder / "smtp.pem", folder / "smtp.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key
