"""``python -m assistant ...`` is the ``assistant`` command (``interfaces.cli``)."""

from .interfaces.cli import main

main()
