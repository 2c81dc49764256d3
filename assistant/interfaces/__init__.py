"""Interfaces: the edges people use, each a thin layer over ``core`` (``Assistant.ask``).

- ``cli``: the ``assistant`` command (also ``python -m assistant``);
- ``ui``, ``server``: the gradio chat and viewer, and serving it safely;
- ``collection``: named collections, uploads stored safely, the document list;
- ``evals``, ``reports``: eval suites, their metrics and report files.

A new UI panel or command goes here. May import every stage and ``core``; nothing imports it.
"""
