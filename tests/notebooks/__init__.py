"""Tests of the notebooks: sync, leaks, kept outputs, and the student-experience runs."""
