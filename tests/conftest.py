"""Shared fixtures. Tests never touch the network: any non-loopback connection fails."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

import assistant  # noqa: F401  (sets the offline environment first)
from assistant.core import Assistant, index_corpus
from assistant.indexing.embedding import HashEmbedder
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ART = {"000": "000_936d9f47e3d9f400.txt", "001": "001_52db62ef3900da48.txt",
       "002": "002_f7fc15107f3bc862.txt"}


def _loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX paths


REAL_MODEL_FIXTURES = {"real_embedder", "real_index_settings", "bot"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers tell the truth: a test that loads the real model must be marked ``model`` (the
    fast run, ``make unit``, deselects those)."""
    wrong = [i.nodeid for i in items if REAL_MODEL_FIXTURES & set(getattr(i, "fixturenames", ()))
             and i.get_closest_marker("model") is None]
    if wrong:
        raise pytest.UsageError("these tests load the real model but are not marked `model`: " + ", ".join(wrong))


@pytest.fixture(autouse=True, scope="session")
def block_network():
    """Fail any connection that leaves this machine (a hub download, telemetry, a CDN)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock, address):  # type: ignore[no-untyped-def]
        if not _loopback(address):
            raise ConnectionRefusedError(f"test tried to reach the network: {address!r}")
        return real_connect(sock, address)

    def guard_ex(sock, address):  # type: ignore[no-untyped-def]
        if not _loopback(address):
            raise ConnectionRefusedError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(sock, address)

    socket.socket.connect = guard  # type: ignore[method-assign]
    socket.socket.connect_ex = guard_ex  # type: ignore[method-assign]
    yield
    socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture
def fake_settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    return Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index")


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def fake_bot(fake_settings: Settings, fake_embedder: HashEmbedder) -> Assistant:
    index_corpus(fake_settings, fake_embedder, progress=False)
    return Assistant.open(settings=fake_settings, embedder=fake_embedder)


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from assistant.core import make_embedder

    return make_embedder(Settings())


@pytest.fixture(scope="session")
def real_index_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Settings:  # type: ignore[no-untyped-def]
    """The three articles indexed with the real model into a private folder."""
    root = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=CORPUS, index_dir=root / "index")
    index_corpus(settings, real_embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def bot(real_index_settings: Settings, real_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant.open(settings=real_index_settings, embedder=real_embedder)
