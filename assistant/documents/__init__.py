"""Documents: files read into ``Document`` records, and documents into sentences and chunks.

- ``corpus``: walk a folder, skip bad files by name with the reason;
- ``formats``: one reader per file format (PDF, HTML, Word, text, page files), PDF boxes and pages;
- ``chunking``: sentences and token-bounded chunks with character offsets.

A new file format goes here. Imports ``language`` and the shared modules, nothing above.
"""
