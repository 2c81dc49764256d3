"""Collections under real use, with the fast fake embedder: writes serialised (threads and
processes), uploads that either end indexed or leave nothing, and a server that sees every new
index generation without a restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.core import index_corpus
from assistant.indexing.embedding import HashEmbedder, Spans
from assistant.indexing.load import live_generation
from assistant.interfaces.collection import DEFAULT, CollectionError, Library, settings_for
from assistant.settings import Settings

FACT = "The Zorvan plant produced 48,250 turbines in 2023."


class SlowEmbedder(HashEmbedder):
    """The fake embedder, slowed so that two writers overlap; it can be told to fail."""

    def __init__(self, delay: float = 0.3) -> None:
        super().__init__()
        self.delay, self.fail = delay, False

    def embed_spans(self, texts: list[str], spans: list[Spans]) -> tuple[np.ndarray, list[np.ndarray]]:
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the embedding model crashed")
        return super().embed_spans(texts, spans)


@pytest.fixture
def library(fake_settings: Settings) -> Library:
    emb = SlowEmbedder()
    index_corpus(fake_settings, emb, progress=False)
    return Library(fake_settings.model_copy(update={"collections_dir": fake_settings.index_dir.parent / "c"}), emb)


def _upload(tmp_path: Path, name: str, text: str) -> tuple[Path, str]:
    p = tmp_path / f"upload-{name}"
    p.write_text(text, encoding="utf-8")
    return p, name


def test_two_concurrent_index_runs_are_serialised(fake_settings: Settings) -> None:
    emb, waited = SlowEmbedder(), []
    (fake_settings.corpus_dir / "zorvan.txt").write_text(FACT, encoding="utf-8")
    runs = [threading.Thread(target=lambda: index_corpus(fake_settings, emb, progress=False,
                                                         on_wait=lambda: waited.append(1))) for _ in range(2)]
    for t in runs:
        t.start()
        time.sleep(0.05)
    for t in runs:
        t.join()
    assert waited == [1]  # the second waited for the first ...
    again = index_corpus(fake_settings, emb, progress=False)
    assert again.embedded == 0 and not again.changed  # ... and built on its result
    assert len(list(fake_settings.index_dir.glob("gen-*"))) == 1


def test_server_sees_a_generation_built_elsewhere(library: Library, tmp_path: Path) -> None:
    before = library.bot(DEFAULT)
    assert before is not None
    s = settings_for(library.settings, DEFAULT)
    (s.corpus_dir / "zorvan.txt").write_text(FACT, encoding="utf-8")
    index_corpus(s, HashEmbedder(), progress=False)  # as `assistant index` in another process would
    after = library.bot(DEFAULT)
    assert after is not None and after is not before and after.index.path == live_generation(s.index_dir)
    assert "zorvan.txt" in after.index.documents
    assert after.ask("How many turbines did the Zorvan plant produce in 2023?").answer.found


def test_failed_upload_leaves_nothing_and_a_retry_indexes(library: Library, tmp_path: Path) -> None:
    library.embedder.fail = True  # type: ignore[attr-defined]
    with pytest.raises(CollectionError, match="could not be indexed .*nothing was added"):
        library.add(DEFAULT, [_upload(tmp_path, "zorvan.txt", FACT)])
    s = settings_for(library.settings, DEFAULT)
    assert not (s.corpus_dir / "zorvan.txt").exists()
    library.embedder.fail = False  # type: ignore[attr-defined]
    done = library.add(DEFAULT, [_upload(tmp_path, "zorvan.txt", FACT)])
    assert done.stored == ["zorvan.txt"]
    bot = library.bot(DEFAULT)
    assert bot is not None and "zorvan.txt" in bot.index.documents


def test_file_left_unindexed_is_not_already_there(library: Library, tmp_path: Path) -> None:
    s = settings_for(library.settings, DEFAULT)
    (s.corpus_dir / "zorvan.txt").write_text(FACT, encoding="utf-8")  # stored, then the server died
    done = library.add(DEFAULT, [_upload(tmp_path, "zorvan.txt", FACT)])
    assert done.stored == ["zorvan.txt"] and done.summary
    bot = library.bot(DEFAULT)
    assert bot is not None and "zorvan.txt" in bot.index.documents
    again = library.add(DEFAULT, [_upload(tmp_path, "zorvan.txt", FACT)])
    assert again.stored == ["zorvan.txt (already there)"] and not again.summary


def test_upload_during_remove_both_land(library: Library, tmp_path: Path) -> None:
    first = sorted(p.name for p in settings_for(library.settings, DEFAULT).corpus_dir.iterdir())[0]
    errors: list[BaseException] = []

    def run(fn):  # type: ignore[no-untyped-def]
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(lambda: library.remove(DEFAULT, first),)),
               threading.Thread(target=run, args=(lambda: library.add(DEFAULT, [_upload(tmp_path, "z.txt", FACT)]),))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    bot = library.bot(DEFAULT)
    assert bot is not None
    files = {d.file for d in bot.index.documents.values()}
    assert "z.txt" in files and first not in files


INDEX_IN_A_PROCESS = """
import sys, time
from pathlib import Path
from assistant.core import index_corpus
from assistant.indexing.embedding import HashEmbedder
from assistant.settings import Settings

class Slow(HashEmbedder):
    def embed_spans(self, texts, spans):
        time.sleep(1.0)
        return super().embed_spans(texts, spans)

s = Settings(corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
stats = index_corpus(s, Slow(), progress=False, on_wait=lambda: print("WAITED", flush=True))
print("EMBEDDED", stats.embedded, flush=True)
"""


def test_two_index_processes_are_serialised(fake_settings: Settings) -> None:
    """Two `assistant index` runs (or the CLI while the server uploads) from separate processes."""
    import subprocess
    import sys

    args = [sys.executable, "-c", INDEX_IN_A_PROCESS, str(fake_settings.corpus_dir), str(fake_settings.index_dir)]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    time.sleep(0.8)  # the first one holds the lock (it embeds for a second)
    second = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    out = [p.communicate(timeout=120)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0]
    assert "WAITED" not in out[0] and "WAITED" in out[1]
    assert "EMBEDDED 0" in out[1]  # the second built on the first one's result
    assert len(list(fake_settings.index_dir.glob("gen-*"))) == 1


def test_failed_files_are_listed_with_why_and_links_removed_not_followed(fake_settings: Settings,
                                                                          tmp_path: Path) -> None:
    from assistant.interfaces.collection import documents, remove

    corpus = fake_settings.corpus_dir
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    target = tmp_path / "outside.txt"
    target.write_text("root:x:0:0", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(target)
    index_corpus(fake_settings, HashEmbedder(), progress=False)
    bot = Library(fake_settings, HashEmbedder()).bot(DEFAULT)
    assert bot is not None
    failed = {r.file: r.status for r in documents(bot.index) if r.status != "indexed"}
    assert set(failed) == {"latin1.txt", "passwd.txt"}
    assert failed["latin1.txt"].startswith("not indexed: not UTF-8")
    remove(fake_settings, "passwd.txt")
    assert not (corpus / "passwd.txt").exists() and target.exists()  # the link went, not what it pointed to
    with pytest.raises(CollectionError, match="not a document"):
        remove(fake_settings, "../outside.txt")
    stats = index_corpus(fake_settings, HashEmbedder(), progress=False)
    assert stats.changed and stats.embedded == 0  # the list of skipped files changed; nothing re-embedded
