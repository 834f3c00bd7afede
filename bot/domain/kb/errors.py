"""Errors raised by the knowledge base package."""

from __future__ import annotations


class KnowledgeBaseError(ValueError):
    """A knowledge base file is missing, malformed or inconsistent.

    The message always names the file and, where there is one, the entry at fault, so that
    whoever edits the YAML can find the problem without reading code.
    """
