"""Every error a user can cause, each with a message that says what to do.

The CLI and the UI turn these into one-line messages (exit status 2 from the CLI); the Python
API raises them as they are.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing sentence with the fix."""


class QuestionError(AssistantError, ValueError):
    """The question is empty or too long."""


class CorpusError(AssistantError):
    """The corpus folder is missing or holds no readable document."""


class IndexMissingError(AssistantError):
    """No index has been built at the given folder."""


class IndexMismatchError(AssistantError):
    """The index was built with another model, chunker or format; it must be rebuilt."""


class IndexCorruptError(AssistantError):
    """The index files cannot be read."""


class StoreUnavailableError(AssistantError):
    """The Milvus store cannot be reached (a server down, a milvus-lite file open elsewhere)."""


class EvalSuiteError(AssistantError):
    """An eval suite file is malformed (names the file and line)."""
