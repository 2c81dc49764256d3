"""Start-up checks of ``assistant serve``: a busy port and an exposed server without a login
each give one clear line naming the fix, before any model is loaded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from assistant.errors import AssistantError
from assistant.interfaces.server import check_exposure, check_port, parse_auth


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", "serve", *args], capture_output=True, text=True,
                          env=os.environ, timeout=120)


@pytest.fixture
def busy_port():  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_check_port_names_the_fix(busy_port: int) -> None:
    with pytest.raises(AssistantError, match=rf"Port {busy_port} .* in use.*--port {busy_port + 1}.*make run PORT="):
        check_port("127.0.0.1", busy_port)


def test_busy_port_is_one_line_and_exit_2(busy_port: int) -> None:
    p = _serve("--port", str(busy_port))
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "make run PORT=" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr + p.stdout


def test_exposed_without_login_is_refused() -> None:
    with pytest.raises(AssistantError, match="--auth USER:PASS.*--insecure-no-auth"):
        check_exposure("0.0.0.0", 7860, has_login=False, insecure_no_auth=False)
    check_exposure("0.0.0.0", 7860, has_login=True, insecure_no_auth=False)
    check_exposure("0.0.0.0", 7860, has_login=False, insecure_no_auth=True)
    check_exposure("127.0.0.1", 7860, has_login=False, insecure_no_auth=False)


def test_cli_refuses_exposure_before_loading_anything() -> None:
    p = _serve("--host", "0.0.0.0", "--port", "1")
    assert p.returncode == 2 and "--insecure-no-auth" in p.stderr, p.stderr


@pytest.mark.parametrize("bad", ["nocolon", ":pw", "user:"])
def test_auth_must_be_user_colon_password(bad: str) -> None:
    with pytest.raises(AssistantError, match="USER:PASS"):
        parse_auth(bad)


def test_history_is_bounded_and_items_named() -> None:
    from assistant.core import check_history
    from assistant.errors import QuestionError
    from assistant.settings import Settings

    s = Settings(max_history=3)
    assert check_history([" Who is he? ", "And Nissan?"], s) == ["Who is he?", "And Nissan?"]
    with pytest.raises(QuestionError, match="4 earlier questions; the limit is 3"):
        check_history(["a"] * 4, s)
    with pytest.raises(QuestionError, match=r"History item 2 \(of 2\) is empty"):
        check_history(["Who is he?", " "], s)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100"}, timeout=120)


def test_unknown_collection_names_the_ones_there_are() -> None:
    for args in (["ask", "-c", "nope", "What share?"], ["chat", "-c", "nope"], ["serve", "-c", "nope"]):
        p = _cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert "No collection named 'nope'. Collections: default" in p.stderr and "No index" not in p.stderr


def test_help_shows_defaults_and_no_bool_placeholders() -> None:
    p = _cli("serve", "--help")
    assert p.returncode == 0
    assert "[default: 127.0.0.1]" in p.stdout and "[default: 7860]" in p.stdout
    assert "<bool>" not in p.stdout and " .\n" not in p.stdout  # "Port ." was "Port [default: 7860]." eaten as markup


def test_logins_from_one_address_are_limited_after_repeated_failures() -> None:
    """5 wrong passwords within a minute from one address: the 6th try is refused (429) even with
    the right password, other addresses are not, and the address may try again once the window
    has passed; a right password clears the count."""
    import asyncio

    from assistant.interfaces.server import LoginLimiter

    async def gradio_login(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        ok = scope["query_string"] == b"right"
        await send({"type": "http.response.start", "status": 200 if ok else 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    now = [0.0]
    limiter = LoginLimiter(gradio_login, failures=5, window_s=60, clock=lambda: now[0])

    def login(password: str, client: str = "10.0.0.1", path: str = "/login") -> int:
        sent: list[dict] = []

        async def send(m: dict) -> None:
            sent.append(m)

        scope = {"type": "http", "method": "POST", "path": path, "client": (client, 5000),
                 "query_string": password.encode()}
        asyncio.run(limiter(scope, None, send))
        return int(sent[0]["status"])

    assert [login("wrong") for _ in range(5)] == [400] * 5
    assert login("right") == 429  # the right password too, from that address
    assert login("right", client="10.0.0.2") == 200  # another address is not held up
    assert login("wrong", path="/gradio_api/login") == 429  # the same route under a root path
    now[0] = 59.0
    assert login("right") == 429
    now[0] = 60.5
    assert login("right") == 200  # the window has passed
    assert [login("wrong") for _ in range(4)] == [400] * 4 and login("right") == 200  # a success clears the count
    assert login("wrong") == 400
