"""``python -m labcode`` says which labcode this is and runs none of the instructors' tools."""

import subprocess
import sys

from labcode import __version__


def test_python_m_labcode_prints_the_version_and_points_to_the_authoring_tools():
    out = subprocess.run([sys.executable, "-m", "labcode", "strip"], capture_output=True,
                         text=True, check=True, timeout=60)
    assert f"labcode {__version__}" in out.stdout
    assert "python -m labcode.authoring" in out.stdout
    assert "strip" not in out.stdout + out.stderr  # the argument did not reach the tools
