"""Language: what a piece of text says, with no knowledge of files, indexes or answers.

- ``lexical``: one notion of a term (BM25 and sentence scoring);
- ``figures``: numbers with scale and unit, compared as numbers;
- ``entities``: typed spans in a sentence (names, dates, figures, reasons);
- ``attribution``: who says what (spaCy's parse), stored in the index at build time;
- ``question``: what a question asks for (``analyze``).

Below every other stage (the index stores terms and attributions, answers read them), so it
imports only the shared modules at the package's top (``records``, ``settings``, ``errors``).
"""
