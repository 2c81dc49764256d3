"""Saved conversations (``interfaces.threads``): kept per collection in SQLite, listed newest
first, reopened exactly, renamed, deleted, exported with every citation, and private to their
user under --auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.interfaces.threads import ConversationError, Threads

ANSWER = {"answer": "Japan exported about 1.99 million cars. [1]", "found": True, "citations": [
    {"n": 1, "source": "000.txt", "file": "000.txt", "title": "Japan trade", "start": 0, "end": 40,
     "quote": "Japan exported about 1.99 million cars."}]}
PDF_ANSWER = {"answer": "48,250 turbines. [1]", "citations": [
    {"n": 1, "source": "r.pdf#p2", "file": "r.pdf", "title": "Regional energy report", "page": 2, "start": 3,
     "end": 50, "quote": "The Zorvan plant produced 48,250\nturbines in 2023."}]}


def test_a_conversation_is_kept_turn_by_turn_and_survives_a_new_store(tmp_path: Path) -> None:
    store = Threads(tmp_path, "default")
    cid = store.add("", "", "How many cars did Japan export?", ANSWER)
    assert store.add(cid, "", "Who said so?", {"answer": "Not found.", "citations": []}) == cid
    other = store.add("", "", "What share of the market?", ANSWER)
    assert [t.id for t in store.listed("")] == [other, cid]  # newest first
    again = Threads(tmp_path, "default")  # a server restart: a new store over the same file
    title, turns = again.load(cid, "")
    assert title == "How many cars did Japan export?"
    assert turns == [("How many cars did Japan export?", ANSWER), ("Who said so?", {"answer": "Not found.",
                                                                                      "citations": []})]
    assert again.listed("")[1].turns == 2 and "2 questions" in again.listed("")[1].label
    assert Threads(tmp_path, "reports").listed("") == []  # each collection its own


def test_rename_delete_and_a_missing_one(tmp_path: Path) -> None:
    store = Threads(tmp_path, "default")
    cid = store.add("", "", "How many cars did Japan export?", ANSWER)
    store.rename(cid, "", "  Exports   in 1980 ")
    assert store.listed("")[0].title == "Exports in 1980"
    with pytest.raises(ConversationError, match="Type a new name"):
        store.rename(cid, "", "   ")
    store.delete(cid, "")
    assert store.listed("") == []
    with pytest.raises(ConversationError, match="not saved here"):
        store.load(cid, "")
    assert store.add(cid, "", "A new start?", ANSWER) != cid  # a deleted id is never written to again


def test_under_login_each_user_sees_only_their_own(tmp_path: Path) -> None:
    store = Threads(tmp_path, "default")
    ana = store.add("", "ana", "How many cars did Japan export?", ANSWER)
    assert store.listed("bo") == [] and [t.id for t in store.listed("ana")] == [ana]
    for act in (lambda: store.load(ana, "bo"), lambda: store.rename(ana, "bo", "mine"),
                lambda: store.delete(ana, "bo")):
        with pytest.raises(ConversationError):
            act()
    bo = store.add(ana, "bo", "Who said so?", ANSWER)  # bo cannot append to ana's: his own starts
    assert bo != ana and store.load(ana, "ana")[1] == [("How many cars did Japan export?", ANSWER)]


def test_export_is_markdown_with_every_citation(tmp_path: Path) -> None:
    store = Threads(tmp_path, "default")
    cid = store.add("", "", "How many cars did Japan export?", ANSWER)
    store.add(cid, "", "How many turbines did Zorvan produce?", PDF_ANSWER)
    md = store.markdown(cid, "")
    assert md.startswith("# How many cars did Japan export?\n")
    assert "## 2. How many turbines did Zorvan produce?\n\n48,250 turbines. [1]\n" in md
    assert '[1] Japan trade: "Japan exported about 1.99 million cars."' in md
    assert '[1] Regional energy report, p. 2: "The Zorvan plant produced 48,250 turbines in 2023."' in md
