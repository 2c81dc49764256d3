"""Nothing leaves the machine: the CLI and the server run under strace, and any connect() or
sendto() to an address outside loopback (a DNS lookup included: glibc connects a UDP socket to
the name server) fails the test. In-process guards cannot see this: OpenVINO's telemetry and
other clients open their own sockets, sometimes from threads or child processes."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.model, pytest.mark.skipif(shutil.which("strace") is None,
                                                     reason="strace is installed by `make test`")]

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


def outbound(trace: Path) -> list[str]:
    """The strace lines that reach an address outside loopback."""
    bad = []
    for line in trace.read_text(errors="replace").splitlines():
        for m in ADDRESS.finditer(line):
            addr = ipaddress.ip_address(m.group(1) or m.group(2))
            addr = getattr(addr, "ipv4_mapped", None) or addr  # "::ffff:127.0.0.1" is 127.0.0.1
            if not (addr.is_loopback or addr.is_unspecified):
                bad.append(line.strip())
    return bad


def test_outbound_parser_flags_a_dns_lookup(tmp_path: Path) -> None:
    trace = tmp_path / "t"
    trace.write_text('12 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16)'
                     ' = 0\n13 connect(8, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}'
                     ', 16) = 0\n')
    assert outbound(trace) == [trace.read_text().splitlines()[0]]
    mapped = tmp_path / "m"
    mapped.write_text('9 bind(4, {sa_family=AF_INET6, inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr)}, 28) = 0\n'
                      '9 bind(5, {sa_family=AF_INET6, inet_pton(AF_INET6, "::ffff:192.0.2.2", &sin6_addr)}, 28) = 0\n')
    assert outbound(mapped) == [mapped.read_text().splitlines()[1]]  # IPv4 in IPv6 clothing: judged as IPv4


def _strace(trace: Path, *args: str) -> list[str]:
    return ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *args]


def _env() -> dict[str, str]:
    # No offline switches from the test runner: the package must set its own.
    drop = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "GRADIO_ANALYTICS_ENABLED"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_ask_opens_no_outbound_connection(real_index_settings, tmp_path: Path) -> None:
    trace = tmp_path / "ask.strace"
    p = subprocess.run(_strace(trace, sys.executable, "-m", "assistant", "ask", "--index",
                               str(real_index_settings.index_dir), "How many cars did Japan export last year?"),
                       capture_output=True, text=True, env=_env(), timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "1.99 million" in p.stdout
    assert outbound(trace) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_opens_no_outbound_connection(real_index_settings, tmp_path: Path) -> None:
    trace, port = tmp_path / "serve.strace", _free_port()
    proc = subprocess.Popen(_strace(trace, sys.executable, "-m", "assistant", "serve", "--port", str(port),
                                    "--index", str(real_index_settings.index_dir)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
                            start_new_session=True)
    try:
        deadline, ready = time.monotonic() + 240, False
        assert proc.stdout is not None
        while time.monotonic() < deadline and not ready:
            line = proc.stdout.readline()
            if not line:
                break
            ready = "assistant ready" in line
        assert ready, "the server did not start"
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as r:  # the page, as a browser asks
            assert r.status == 200
        time.sleep(2)  # let any start-up telemetry thread run
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert outbound(trace) == []


def _no_network(*cmd: str) -> list[str]:
    """``cmd`` in a network namespace of its own with only loopback up (as root, as in CI): an
    attempt to reach out is still seen by strace, and reaches nothing."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return list(cmd)
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]


def test_ray_local_indexing_stays_on_loopback(tmp_path: Path, corpus_copy: Path) -> None:
    """`assistant index --ray local` once asked 8.8.8.8 for the machine's address (a DNS-port UDP
    connect), bound its LAN address, and asked cloud metadata servers (169.254.169.254, a DNS
    lookup of metadata.google.internal) what machine it runs on, with usage stats off."""
    trace = tmp_path / "ray.strace"
    cmd = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,bind", "-o", str(trace), sys.executable, "-m",
           "assistant", "index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "index"), "--ray", "local",
           "-q"]
    p = subprocess.run(_no_network(*cmd), capture_output=True, text=True, env=_env(), timeout=420)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "index updated: 3 documents" in p.stdout
    assert outbound(trace) == []
    assert "inet_addr(\"127.0.0.1\")" in trace.read_text()  # the cluster did talk, on loopback
