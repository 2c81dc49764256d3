"""The chat UI: ``python app.py [--host H] [--port P] [--auth USER:PASS] [--index DIR]``.

Thin: the same ``assistant serve`` command, which builds the index if missing and serves
on 127.0.0.1:7860 unless told otherwise.
"""

import sys

from assistant.interfaces.cli import app

if __name__ == "__main__":
    app(["serve", *sys.argv[1:]])
