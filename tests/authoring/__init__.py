"""Tests of labcode.authoring: strip, the robustness bench."""
