"""Documents: files read into ``Document`` records, and documents into sentences and chunks.

- ``corpus``: walk a folder, skip bad files by name with the reason;
- ``formats``: one reader per file format (PDF, HTML, Word, text, page files), PDF boxes and pages;
- ``sheets``: CSV and XLSX read as tables;
- ``tables``: tables as data, each cell a span ("|" tables found in text, grids laid out as text);
- ``aligned``: tables aligned by space in text and PDF text layers;
- ``chunking``: sentences and token-bounded chunks with character offsets.

A new file format goes here. Imports ``language`` and the shared modules, nothing above.
"""
