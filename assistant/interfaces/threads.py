"""Saved conversations: one SQLite file per collection, so a chat survives a reload, a switch of
collection and a server restart, and can be handed on as Markdown with every citation.

Each turn is stored as the answer's JSON (``Turn.to_dict``, read back by ``Answer.from_dict``):
reopening shows exactly what was answered, and follow-ups go on from it (the questions are
analysed again, which is deterministic; nothing is retrieved again). Under ``--auth`` each
conversation belongs to the user who had it; others neither list nor open it.

>>> import tempfile
>>> store = Threads(Path(tempfile.mkdtemp()), "default")
>>> cid = store.add("", "", "Who said so?", {"answer": "Taizo Watanabe [1]", "citations": []})
>>> [(t.title, t.turns) for t in store.listed("")]
[('Who said so?', 1)]
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AssistantError

TITLE_CHARS = 80  # a conversation is titled by its first question, cut here
LISTED = 50  # the most recent conversations listed
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
  conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, n INTEGER NOT NULL,
  question TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (conversation, n));
"""


class ConversationError(AssistantError):
    """A conversation that is not there (or not this user's)."""


@dataclass(frozen=True)
class Saved:
    """A saved conversation as listed: id, title, when it was last added to, how many turns."""

    id: str
    title: str
    updated: float
    turns: int

    @property
    def label(self) -> str:
        """How the list shows it: "Who said so? · 2026-12-07 15:40 · 2 questions"."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.updated))
        return f"{self.title} · {when} · {self.turns} question{'s' * (self.turns != 1)}"


class Threads:
    """The saved conversations of one collection, in ``folder/<collection>.sqlite``; safe to share
    between threads (one connection per call, SQLite's own locking between processes)."""

    def __init__(self, folder: Path, collection: str) -> None:
        self.path = folder / f"{collection}.sqlite"
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                db.execute("PRAGMA foreign_keys = ON")
                if not self._ready:
                    db.executescript(_SCHEMA)
                    self._ready = True
                with db:  # one transaction: committed, or rolled back on error
                    yield db

    def add(self, conversation: str, user: str, question: str, answer: dict[str, Any]) -> str:
        """Append a turn (``answer``: the turn's JSON) to ``conversation``, or start one when it
        is "" or not this user's; returns the conversation's id."""
        now = time.time()
        with self._db() as db:
            row = db.execute("SELECT user FROM conversations WHERE id = ?", (conversation,)).fetchone()
            if row is None or row[0] != user:
                conversation = uuid.uuid4().hex
                db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                           (conversation, user, " ".join(question.split())[:TITLE_CHARS], now, now))
            n = db.execute("SELECT COUNT(*) FROM turns WHERE conversation = ?", (conversation,)).fetchone()[0]
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?)",
                       (conversation, n, question, json.dumps(answer, ensure_ascii=False)))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
        return conversation

    def listed(self, user: str) -> list[Saved]:
        """This user's conversations, the most recent first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.n) FROM conversations c LEFT JOIN turns t "
                "ON t.conversation = c.id WHERE c.user = ? GROUP BY c.id ORDER BY c.updated DESC, c.id LIMIT ?",
                (user, LISTED)).fetchall()
        return [Saved(*r) for r in rows]

    def _owned(self, db: sqlite3.Connection, conversation: str, user: str) -> str:
        row = db.execute("SELECT title FROM conversations WHERE id = ? AND user = ?", (conversation, user)).fetchone()
        if row is None:
            raise ConversationError("That conversation is not saved here (deleted, or another user's). "
                                    "Choose one from the list.")
        return str(row[0])

    def load(self, conversation: str, user: str) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
        """(title, [(question, answer JSON), ...]) of a conversation of this user's."""
        with self._db() as db:
            title = self._owned(db, conversation, user)
            rows = db.execute("SELECT question, answer FROM turns WHERE conversation = ? ORDER BY n",
                              (conversation,)).fetchall()
        return title, [(q, json.loads(a)) for q, a in rows]

    def rename(self, conversation: str, user: str, title: str) -> None:
        title = " ".join(title.split())[:TITLE_CHARS]
        if not title:
            raise ConversationError("Type a new name for the conversation first.")
        with self._db() as db:
            self._owned(db, conversation, user)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation))

    def delete(self, conversation: str, user: str) -> None:
        with self._db() as db:
            self._owned(db, conversation, user)
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation,))

    def markdown(self, conversation: str, user: str) -> str:
        """The conversation as Markdown to hand on: each question, its answer with ``[n]`` markers,
        then every citation with its document, page and the quoted text."""
        title, turns = self.load(conversation, user)
        return to_markdown(title, turns)


def to_markdown(title: str, turns: list[tuple[str, dict[str, Any]]]) -> str:
    """The Markdown of a conversation (``Threads.markdown``).

    >>> print(to_markdown("Exports", [("How many?", {"answer": "About 1.99 million. [1]", "citations": [
    ...     {"n": 1, "title": "Japan trade", "page": 3, "quote": "Japan exported about 1.99 million cars."}]})]))
    # Exports
    <BLANKLINE>
    ## 1. How many?
    <BLANKLINE>
    About 1.99 million. [1]
    <BLANKLINE>
    [1] Japan trade, p. 3: "Japan exported about 1.99 million cars."
    <BLANKLINE>
    """
    out = [f"# {title}", ""]
    for i, (question, answer) in enumerate(turns, 1):
        out += [f"## {i}. {question}", "", str(answer.get("answer", "")), ""]
        for c in answer.get("citations", []):
            where = f"{c.get('title') or c.get('file') or c.get('source', '')}"
            where += f", p. {c['page']}" if c.get("page") is not None else ""
            out.append(f"[{c.get('n')}] {where}: \"{' '.join(str(c.get('quote', '')).split())}\"")
        if answer.get("citations"):
            out.append("")
    return "\n".join(out)
