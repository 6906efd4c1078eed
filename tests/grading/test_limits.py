"""The per-notebook time limit kills nbgrader and its kernel, which runs in a session of its own."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from labcode.authoring.grading import _kill_tree

PARENT = ("import subprocess, sys, time\n"
          "subprocess.Popen([sys.executable, '-c', 'while True: pass'], start_new_session=True)\n"
          "time.sleep(100)")


def test_kill_tree_kills_a_child_in_its_own_session():
    proc = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not (children := psutil.Process(proc.pid).children(recursive=True)):
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.1)
        _kill_tree(proc.pid)
        proc.wait(timeout=20)
        gone, alive = psutil.wait_procs(children, timeout=20)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
