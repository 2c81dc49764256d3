"""Checks made before the UI server starts: the login, who can reach it, whether the port is free.

>>> parse_auth("ana:s3cret"), parse_auth("")
(('ana', 's3cret'), None)
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ..errors import AssistantError


def api_arguments(question: object, history: object, collection: object) -> tuple[str, list[str], str]:
    """The ``/ask`` API's arguments with their JSON types checked (AssistantError naming the one
    that is wrong): a question string, a list of earlier question strings (or null), a collection
    name string (or null for the default).

    >>> api_arguments("Who?", None, None)
    ('Who?', [], '')
    >>> api_arguments("Who?", "Who is he?", "default")
    Traceback (most recent call last):
    ...
    assistant.errors.AssistantError: history must be a list of earlier questions (strings), oldest first; got a string.
    """
    def kind(v: object) -> str:
        return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
                dict: "an object"}.get(type(v), type(v).__name__)

    if not isinstance(question, str):
        raise AssistantError(f"question must be a string; got {kind(question)}.")
    if history is not None and not isinstance(history, list):
        raise AssistantError("history must be a list of earlier questions (strings), oldest first; "
                             f"got {kind(history)}.")
    for i, item in enumerate(history or [], 1):
        if not isinstance(item, str):
            raise AssistantError(f"History item {i} must be a string (an earlier question); got {kind(item)}.")
    if collection is not None and not isinstance(collection, str):
        raise AssistantError(f"collection must be a string (a collection's name); got {kind(collection)}.")
    return question, list(history or []), collection or ""


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"`]+/)+([^\s/'\"`]*)")


def public(message: str) -> str:
    """An error message as a remote client may read it: no folder of the server's.

    >>> public("No index found in /srv/app/collections/hr/index. Build it.")
    'No index found in …/index. Build it.'
    """
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(1), message)


def parse_auth(auth: str) -> tuple[str, str] | None:
    """(user, password) of "USER:PASS"; None for no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise AssistantError("--auth must look like USER:PASS.")
    return user, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, port: int, has_login: bool, insecure_no_auth: bool) -> None:
    """Refuse to serve beyond this machine without a login, unless told so explicitly."""
    if is_loopback(host) or has_login or insecure_no_auth:
        return
    raise AssistantError(
        f"Serving on {host} lets anyone who reaches port {port} read every collection, upload and remove "
        "documents. Give a login with --auth USER:PASS (or ASSISTANT_AUTH), or pass --insecure-no-auth if that "
        "is what you want.")


def port_busy(host: str, port: int) -> str:
    return (f"Port {port} on {host} is already in use (another assistant, or another program). "
            f"Choose another: `assistant serve --port {port + 1}` or `make run PORT={port + 1}`.")


def check_port(host: str, port: int) -> None:
    """AssistantError naming the fix when ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no obstacle
        try:
            s.bind((host, port))
        except OSError:
            raise AssistantError(port_busy(host, port)) from None


def _posts_to(scope: dict[str, Any], route: str) -> bool:
    """Is this ASGI request a POST to ``route`` (under any root path)?"""
    return scope.get("type") == "http" and scope.get("method") == "POST" and scope.get("path", "").endswith(route)


async def _refuse(send: Any, status: int, text: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Answer an ASGI request with ``status`` and a line of plain text, before the app sees it."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers]})
    await send({"type": "http.response.body", "body": text.encode()})


LOGIN_FAILURES = 5  # failed logins one client address may make within LOGIN_WINDOW_S
LOGIN_WINDOW_S = 60.0


class LoginLimiter:
    """ASGI middleware: after ``failures`` wrong passwords from one client address within
    ``window_s`` seconds, that address's logins are refused (429, with Retry-After) until the
    oldest failure is older than the window; a right password clears its count. Keyed by the
    connection's address (behind a reverse proxy, limit there too: every client shares its address).

    Given to gradio as ``app_kwargs={"middleware": [Middleware(LoginLimiter)]}``.
    """

    def __init__(self, app: Any, failures: int = LOGIN_FAILURES, window_s: float = LOGIN_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.failures, self.window_s, self.clock = app, failures, window_s, clock
        self._failed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failed.setdefault(client, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not _posts_to(scope, "/login"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            wait = self.window_s - (now - times[0]) if len(times) >= self.failures else 0.0
        if wait > 0:
            await _refuse(send, 429, f"Too many failed logins from this address: try again in {math.ceil(wait)} s.",
                          ((b"retry-after", str(math.ceil(wait)).encode()),))
            return

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                with self._lock:
                    if message["status"] == 400:  # gradio's answer to wrong credentials
                        now = self.clock()
                        self._recent(client, now).append(now)
                    elif message["status"] < 300:
                        self._failed.pop(client, None)
            await send(message)

        await self.app(scope, receive, watch)


READ_ONLY = "This server is read-only: documents can be asked about, not added or removed."


class NoUploads:
    """ASGI middleware of a ``--read-only`` server: gradio's raw upload route (which stores a
    posted file in its temp folder before any handler runs) answers 403 with ``READ_ONLY``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if _posts_to(scope, "/upload"):
            await _refuse(send, 403, READ_ONLY)
            return
        await self.app(scope, receive, send)
