"""Fixtures shared with the domain tests: the command-line tests drive the same complaints."""

from tests.domain.complaints.conftest import file_complaint, rasa

__all__ = ["file_complaint", "rasa"]
