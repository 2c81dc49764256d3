"""Named collections: one server, several corpora, each with its own folder and index.

The default collection is ``corpus/`` + ``index/``; a named one lives in
``collections/<name>/corpus`` + ``collections/<name>/index``. Files reach a collection only
through ``store``: size-limited, typed by content, saved under a safe name, never executed.

>>> safe_name("../../etc/pa?ss<wd>.PDF"), safe_name(".hidden report.docx")
('passwd.pdf', 'hidden report.docx')
"""

from __future__ import annotations

import re
import shutil
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents.formats import SUFFIXES, FormatError, sniff
from ..errors import AssistantError
from ..indexing.embedding import Embedder
from ..indexing.load import LoadedIndex, live_generation
from ..progress import OnStep
from ..records import Document
from ..settings import Settings

if TYPE_CHECKING:
    from ..core import Assistant

DEFAULT = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_PAGE = re.compile(r" page \d+$")  # "report.pdf page 5": a page skipped inside an indexed file


class CollectionError(AssistantError):
    """A bad collection name, or a file that cannot join a collection (says why)."""


def settings_for(settings: Settings, name: str) -> Settings:
    """The settings of collection ``name`` (corpus and index folders)."""
    if not name or name == DEFAULT:
        return settings
    if not _NAME.match(name):
        raise CollectionError(f"{name!r} is not a collection name: use letters, digits, '-' and '_' (at most 40).")
    base = settings.collections_dir / name
    return settings.model_copy(update={"corpus_dir": base / "corpus", "index_dir": base / "index"})


def names(settings: Settings) -> list[str]:
    """The default collection, then every named one, by name."""
    found = sorted(p.parent.name for p in settings.collections_dir.glob("*/corpus") if _NAME.match(p.parent.name)) \
        if settings.collections_dir.is_dir() else []
    return [DEFAULT, *found]


def require(settings: Settings, name: str) -> Settings:
    """The settings of an existing collection, or CollectionError naming the ones there are."""
    if name and name not in names(settings):
        raise CollectionError(f"No collection named {name!r}. Collections: {', '.join(names(settings))}. "
                              f"Make one by putting documents in {settings.collections_dir.name}/{name}/corpus and "
                              f"running `assistant index -c {name}`, or with the Create button in the UI.")
    return settings_for(settings, name)


def create(settings: Settings, name: str) -> Settings:
    s = settings_for(settings, name)
    s.corpus_dir.mkdir(parents=True, exist_ok=True)
    return s


def safe_name(original: str) -> str:
    """A file name that cannot leave the folder, hide itself or carry odd characters."""
    from pathvalidate import sanitize_filename

    base = Path(original.replace("\\", "/")).name
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cf", "Cc"))  # bidi and other controls
    name = sanitize_filename(base, replacement_text="").lstrip(". ").strip()
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{suffix.lower()}" if dot and stem else name


def store(settings: Settings, src: Path, original: str) -> tuple[str, bool]:
    """Copy an uploaded file into the collection's corpus: (its name there, whether it is new).
    CollectionError if it is too big, of a type we do not read, or not what its name says."""
    size = src.stat().st_size
    if size > settings.max_upload_mb * 2**20:
        raise CollectionError(f"{original}: {size / 2**20:.1f} MB is over the {settings.max_upload_mb} MB limit.")
    name = safe_name(original)
    if Path(name).suffix.lower() not in SUFFIXES or not Path(name).stem:
        raise CollectionError(f"{original}: not a type the assistant reads "
                              "(PDF, HTML, DOCX, TXT, MD, JSONL, CSV, XLSX).")
    data = src.read_bytes()
    try:
        sniff(data, name)
    except FormatError as e:
        raise CollectionError(f"{original}: {e}.") from None
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    target = settings.corpus_dir / name
    n = 1
    while target.exists():
        if target.read_bytes() == data:
            return target.name, False  # the same file again
        n += 1
        target = settings.corpus_dir / f"{Path(name).stem}-{n}{Path(name).suffix}"
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(src, tmp)
    tmp.replace(target)  # a half-copied file is never indexed
    return target.name, True


def remove(settings: Settings, file: str) -> None:
    """Delete a file from the collection's folder (run the indexer after, to drop it). A symlink
    is removed itself, never what it points to."""
    path = settings.corpus_dir / file
    root, folder = settings.corpus_dir.resolve(), path.parent.resolve()
    if not (folder == root or root in folder.parents) or not (path.is_symlink() or path.is_file()):
        raise CollectionError(f"{file!r} is not a document of this collection.")
    path.unlink()


@dataclass(frozen=True)
class DocumentRow:
    file: str
    name: str
    pages: int
    chunks: int
    indexed: str
    status: str = "indexed"  # or why the file is not indexed


def documents(index: LoadedIndex) -> list[DocumentRow]:
    """One row per corpus file of an opened index: the indexed ones, then those it could not
    index (with the reason), so they can be seen and removed."""
    meta = index.manifest.get("documents", {})
    by_file: dict[str, list[Document]] = {}
    for d in index.documents.values():
        by_file.setdefault(d.file, []).append(d)
    rows = [DocumentRow(f, ds[0].display_title, len(ds), sum(int(meta.get(d.id, {}).get("chunks", 0)) for d in ds),
                        max(str(meta.get(d.id, {}).get("indexed", "")) for d in ds))
            for f, ds in sorted(by_file.items())]
    failed = {f: why for f, why in index.manifest.get("skipped", {}).items()
              if f not in by_file and _PAGE.sub("", f) not in by_file}  # not a page of an indexed file
    return rows + [DocumentRow(f, "", 0, 0, "", f"not indexed: {why}") for f, why in sorted(failed.items())]


@dataclass
class Added:
    """What one upload did: files stored, files refused (with why), pages skipped, index summary."""

    stored: list[str]
    refused: list[str]
    skipped: list[str]
    summary: str


class Library:
    """The collections one server offers: an Assistant per collection over one shared embedder,
    and the actions of the UI's Documents tab.

    Safe for concurrent use: a collection's assistant is reopened whenever its index has a new
    generation (built by this server, the CLI or another process), and the writes of one
    collection (upload, remove) run one at a time, each either completed or undone."""

    def __init__(self, settings: Settings, embedder: Embedder, opened: dict[str, Assistant] | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._bots: dict[str, Assistant] = dict(opened or {})
        self._open_lock = threading.Lock()
        self._write_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def names(self) -> list[str]:
        return names(self.settings)

    def bot(self, name: str) -> Assistant | None:
        """The collection's assistant on its live index generation, or None while it has no index."""
        from ..core import Assistant
        from ..errors import IndexMissingError

        s = settings_for(self.settings, name)
        live = live_generation(s.index_dir)
        with self._open_lock:
            bot = self._bots.get(name)
            if bot is not None and (live is None or bot.index.path == live):
                return bot
            try:
                self._bots[name] = Assistant.open(settings=s, embedder=self.embedder)
            except IndexMissingError:
                return None
            return self._bots[name]

    def add(self, name: str, files: list[tuple[Path, str]], progress: bool | OnStep = False) -> Added:
        """Store uploaded files (path, original name) in the collection and index it. Either the
        files end indexed, or the new ones are removed again and CollectionError says why."""
        s = create(self.settings, name)
        out = Added([], [], [], "")
        with self._write_locks[name]:
            bot = self.bot(name)
            indexed = {d.file for d in bot.index.documents.values()} if bot else set()
            new: list[Path] = []
            unindexed = False  # a new file, or one a crash left stored but not indexed
            for path, original in files:
                try:
                    stored, fresh = store(s, path, original)
                except CollectionError as e:
                    out.refused.append(str(e))
                    continue
                if fresh:
                    new.append(s.corpus_dir / stored)
                there = not fresh and stored in indexed  # "already there" means in the index
                unindexed |= not there
                out.stored.append(f"{stored} (already there)" if there else stored)
            if unindexed:
                try:
                    out.summary = self._reindex(name, progress, out.skipped)
                except BaseException as e:
                    for p in new:
                        p.unlink(missing_ok=True)
                    raise CollectionError(f"The upload could not be indexed ({type(e).__name__}: {e}); "
                                          "nothing was added. Try again.") from None
        return out

    def remove(self, name: str, file: str) -> str:
        with self._write_locks[name]:
            remove(settings_for(self.settings, name), file)
            return self._reindex(name, False, [])

    def _reindex(self, name: str, progress: bool | OnStep, skipped: list[str]) -> str:
        from ..core import index_corpus

        stats = index_corpus(settings_for(self.settings, name), self.embedder, progress=progress,
                             on_skip=lambda x: skipped.append(f"{x.path}: {x.reason}"))
        return stats.summary()  # bot() reopens on the new generation
