# Two commands do all the set-up:  `make lab`  and  `make test`  (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Tools started by tools (nbgrader runs alembic, jupyter runs kernels) come from the venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Same numbers on every x86-64 machine: numpy's AVX-512 loops and OpenBLAS's per-CPU kernels
# round differently, and 30 000 training steps turn an ulp into another accuracy. Pin both to
# the AVX2 code paths every current x86-64 CPU has (kernels inherit these; see README).
ifeq ($(shell uname -m),x86_64)
export OPENBLAS_CORETYPE ?= Haswell
export NPY_DISABLE_CPU_FEATURES ?= X86_V4 AVX512_ICL AVX512_SPR
endif

.PHONY: lab solutions jupyter-settings test check datasets notebooks html bench lint release grade grade-all \
	class-release class-collect class-grade class-feedback hub-setup hub bench-class

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) datasets jupyter-settings  ## set up, then open your own labs (my_labs/) in JupyterLab
	$(BIN)/python -m tools.learner_labs prepare
	$(BIN)/jupyter lab --notebook-dir=my_labs $(ROOT_FLAG)

solutions: $(STAMP) datasets jupyter-settings  ## instructors and readers: open the solved labs
	COURSE_ANSWER_KEY=tools.answer_key PYTHONPATH=$(CURDIR) \
	  $(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

# JupyterLab's defaults for this venv: no "official Jupyter news?" prompt, no update check.
jupyter-settings: $(STAMP)
	install -D -m 644 tools/jupyterlab_overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json

test: $(STAMP) datasets jupyter-settings  ## set up, then lint and run every test (helpers, grading, nbval)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpers tests tools
	$(BIN)/pytest -n 2  # on two cores, a file per worker (tests/conftest.py)

check: $(STAMP) datasets  ## maintainers, while working: lint + the unit tests (no labs run, no browser, no sandbox), ~1 min
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpers tests tools
	$(BIN)/pytest -n 2 -p no:nbval -o addopts=-ra -m "not slow" tests

datasets: $(STAMP)  ## build missing datasets (never overwrites yours), pretrain explorer grids
	$(BIN)/python -m tools.datasets build
	$(BIN)/python -m tools.precompute

notebooks: $(STAMP) datasets  ## maintainers: re-execute every lab in place after editing it
	$(BIN)/python -m tools.execute_notebooks notebooks/week*/*.ipynb
	$(BIN)/python tests/submissions/build_fixtures.py  # the grading fixtures derive from a lab

html: $(STAMP) datasets  ## readers: the labs as pages that need no kernel and no network, in build/html (make html [LABS="a.ipynb b.ipynb"])
	$(BIN)/python -m tools.html_export $(LABS) --out "$(or $(OUT),build/html)"

bench: $(STAMP) datasets  ## benchmarks (not part of test): Run All, explorer redraws, memory
	$(BIN)/python -m tools.bench --out "$(or $(OUT),build/bench)"

# Creates system users c2l-* for the run and removes them: root, and never by surprise.
bench-class: $(STAMP) datasets  ## as root: N learners Run All through a real hub (make bench-class N=10)
	$(BIN)/python -m tools.class_load --learners "$(or $(N),10)" --out "$(or $(OUT),build/bench)"

release: $(STAMP) datasets  ## instructors: student versions of every week in release/
	$(BIN)/python -m tools.grading release

grade: $(STAMP) datasets  ## grade one lab: make grade SUBMISSION=path/to/lab.ipynb [OUT=grades] [ARGS=...]
	@test -n "$(SUBMISSION)" || { echo "usage: make grade SUBMISSION=path/to/lab.ipynb [OUT=dir] [ARGS=--no-sandbox ...]"; exit 2; }
	$(BIN)/python -m tools.grading grade "$(SUBMISSION)" --out "$(or $(OUT),grades)" $(ARGS)

grade-all: $(STAMP) datasets  ## grade a folder: make grade-all SUBMISSIONS=dir/ [OUT=grades] [ARGS=...]
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=folder/ [OUT=dir] [ARGS=--no-sandbox ...]"; exit 2; }
	$(BIN)/python -m tools.grading grade-all "$(SUBMISSIONS)" --out "$(or $(OUT),grades)" $(ARGS)

# The instructor's week through nbgrader's exchange (README, "Teaching a class").
class-release class-collect class-grade class-feedback: $(STAMP) datasets  ## instructors: make class-release WEEK=week1 [EXCHANGE=dir] [COURSE=dir]
	@test -n "$(WEEK)" || { echo "usage: make $@ WEEK=week1 [EXCHANGE=/srv/nbgrader/exchange] [COURSE=/srv/course2/course]"; exit 2; }
	$(BIN)/python -m tools.classroom $(@:class-%=%) "$(WEEK)" $(if $(EXCHANGE),--exchange "$(EXCHANGE)") $(if $(COURSE),--course "$(COURSE)")

# A class on one machine (README): the admin sets it up once (creates system users: it says
# which first), then starts the hub. Both as root.
hub-setup: $(STAMP) datasets  ## admins: make hub-setup INSTRUCTOR=name LEARNERS=a,b,c [STATE=/srv/course2]
	@test -n "$(INSTRUCTOR)" -a -n "$(LEARNERS)" || { echo "usage: make hub-setup INSTRUCTOR=name LEARNERS=name,name,... [STATE=/srv/course2] [EXCHANGE=/srv/nbgrader/exchange]"; exit 2; }
	$(BIN)/python -m tools.class_hub setup --instructor "$(INSTRUCTOR)" --learners "$(LEARNERS)" $(if $(STATE),--state "$(STATE)") $(if $(EXCHANGE),--exchange "$(EXCHANGE)")

hub: $(STAMP)  ## admins: run the class's JupyterHub (after make hub-setup) [STATE=/srv/course2]
	$(BIN)/python -m tools.class_hub start $(if $(STATE),--state "$(STATE)")

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check helpers tests tools

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "error: Python 3.10 or newer is needed; run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# Build matplotlib's font cache now, so its one-time notice never lands on a lab's stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $(STAMP)
