"""Checks made before the UI server starts: the login, who can reach it, whether the port is free.

>>> parse_auth("ana:s3cret"), parse_auth("")
(('ana', 's3cret'), None)
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
"""

from __future__ import annotations

import ipaddress
import socket

from ..errors import AssistantError


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
