"""Authoring tools for instructors and CI; no notebook imports them.

- :mod:`labcode.authoring.strip` -- solutions -> student notebooks (``make student``)
- :mod:`labcode.authoring.bench` -- execute notebooks: timings, key results, kept outputs
  (``make bench``, ``make outputs``)
- :mod:`labcode.authoring.robustness` -- the labs' headline claims over seeds (``make robustness``)
- :mod:`labcode.authoring.grading` -- nbgrader's metadata in the solution notebooks, the nbgrader
  course built from them, autograding of collected notebooks (``make grade``)
- :mod:`labcode.authoring.new_lab` -- a new lab from a small template, registered everywhere
  (``python -m labcode.authoring new-lab NN slug``)
- :mod:`labcode.authoring.cli` -- ``python -m labcode.authoring``, the command line behind them

They need the optional dependencies ``pip install labcode[authoring]`` (nbformat, nbclient,
myst-parser; ``labcode[grading]`` adds nbgrader), which ``requirements.txt`` pins.
"""
