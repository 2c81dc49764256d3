"""Mixed load on a running server: API clients (gradio_client, one thread each) and chat users
(real Chromium pages, driven together) asking at the same time, and optionally an upload in
the middle. Bounded in rounds and time, loopback only. ``make test`` runs it briefly and
requires 0 errors (tests/test_ui_browser.py); ``make bench`` runs 8 clients for longer and
records the latencies.

    report = mixed_load("http://127.0.0.1:7860/", browser, api_clients=4, ui_clients=4, rounds=10)
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Debian's Chromium, headless, with nothing of its own reaching the network (see GUIDE.md).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTIONS = [
    "How many cars did Japan export to the United States last year?",
    "What did Taizo Watanabe say about blaming Japan?",
    "What share of the U.S. market did Japan reach last year?",
    "Who is Takashi Ishihara?",
    "What cutback is the trade ministry reportedly urging?",
    "What was Toyota's profit in 1980?",
]


@dataclass
class Kind:
    """One kind of client's calls: latencies of the successful ones, and the errors."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        xs = sorted(self.seconds)
        q = statistics.quantiles(xs, n=20) if len(xs) >= 2 else xs * 19
        return {"calls": len(xs) + len(self.errors), "errors": len(self.errors), "error_samples": self.errors[:3],
                "p50_ms": round(1e3 * statistics.median(xs), 1) if xs else None,
                "p95_ms": round(1e3 * q[18], 1) if xs else None}


@dataclass
class LoadReport:
    api: Kind = field(default_factory=Kind)
    ui: Kind = field(default_factory=Kind)
    upload_status: str = ""
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {"api": self.api.summary(), "ui": self.ui.summary(), "upload_status": self.upload_status,
                "wall_s": round(self.wall_s, 1)}


def wait_http(url: str, limit_s: float = 240, alive: Callable[[], bool] = lambda: True) -> None:
    """Return once ``url`` answers (any HTTP status, a login page too); TimeoutError after
    ``limit_s``, or RuntimeError as soon as ``alive()`` says the server process has ended."""
    import urllib.error
    import urllib.request

    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if not alive():
            raise RuntimeError(f"the server for {url} exited")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {limit_s:.0f} s")


def _api_client(url: str, rounds: int, deadline: float, out: Kind, lock: threading.Lock, offset: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for i in range(rounds):
        if time.monotonic() > deadline:
            return
        q = QUESTIONS[(i + offset) % len(QUESTIONS)]
        history = [QUESTIONS[(i + offset + 1) % len(QUESTIONS)]] if i % 3 == 2 else []
        t0 = time.perf_counter()
        try:
            client.predict(q, history, api_name="/ask")
            with lock:
                out.seconds.append(time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - every failure is counted and reported, none may pass unseen
            with lock:
                out.errors.append(f"{type(e).__name__}: {e}"[:300])


def mixed_load(url: str, browser: Any, api_clients: int = 3, ui_clients: int = 3, rounds: int = 4,
               max_seconds: float = 120.0, upload: Path | None = None, turn_timeout: float = 30.0) -> LoadReport:
    """Run ``api_clients`` API threads and ``ui_clients`` chat pages for ``rounds`` questions each
    (or until ``max_seconds``), uploading ``upload`` from the first page once the load is on. A chat
    turn with no answer after ``turn_timeout`` seconds is an error (the server shows none)."""
    report, lock = LoadReport(), threading.Lock()
    t_start = time.monotonic()
    deadline = t_start + max_seconds
    threads = [threading.Thread(target=_api_client, args=(url, rounds, deadline, report.api, lock, i), daemon=True)
               for i in range(api_clients)]
    for t in threads:
        t.start()
    pages = []
    for _ in range(ui_clients):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url, wait_until="load")
        page.wait_for_selector("#question textarea")
        pages.append(page)
    if upload is not None and pages:
        pages[0].get_by_role("tab", name="Documents").click()
        pages[0].set_input_files("#upload input[type=file]", str(upload))
    for r in range(rounds):
        if time.monotonic() > deadline:
            break
        pending: dict[int, tuple[int, float]] = {}
        for i, page in enumerate(pages):
            n = page.locator("#chat .answer").count()
            page.fill("#question textarea", QUESTIONS[(r + i) % len(QUESTIONS)])
            page.click("#ask")
            pending[i] = (n, time.perf_counter())
        while pending and time.monotonic() < deadline:
            for i in list(pending):
                n, t0 = pending[i]
                if time.perf_counter() - t0 > turn_timeout:  # a handler that raised never answers
                    report.ui.errors.append(f"page {i}: no answer within {turn_timeout:.0f} s")
                    del pending[i]
                    continue
                if pages[i].locator("#chat .answer").count() > n:
                    answer = pages[i].locator("#chat .answer").nth(n)
                    if answer.locator(".error").count():
                        report.ui.errors.append(answer.inner_text()[:300])
                    else:
                        report.ui.seconds.append(time.perf_counter() - t0)
                    del pending[i]
            time.sleep(0.05)
        report.ui.errors += [f"page {i}: no answer before the deadline" for i in pending]
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 30)
    if upload is not None and pages:
        status = pages[0].locator("#upload-status")
        end = time.monotonic() + 120
        while time.monotonic() < end and not any(w in status.inner_text() for w in ("Added", "Refused", "could not")):
            time.sleep(0.2)
        report.upload_status = status.inner_text()
    for page in pages:
        page.close()
    report.wall_s = time.monotonic() - t_start
    return report
