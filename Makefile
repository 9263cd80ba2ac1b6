# The commands of the README: `make book`, `make test`, and the fast tier `make check`.
# Each one creates or refreshes .venv itself, from pinned versions (constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
ASSETS := _assets/vendor/.fetched

# Use this environment's kernel even if a stale user-level "python3" kernelspec exists.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# torch from another wheel index, e.g. the CPU-only build (about 190 MB instead of the several
# GB of CUDA libraries PyPI's Linux build pulls in): `make book TORCH_INDEX=cpu` (short for
# https://download.pytorch.org/whl/cpu) or any URL; handed to pip as --extra-index-url when
# .venv is set up (a fresh clone, or after `rm .venv/.installed`).
TORCH_INDEX ?=
TORCH_URL   := $(if $(filter cpu,$(TORCH_INDEX)),https://download.pytorch.org/whl/cpu,$(TORCH_INDEX))
PIP_TORCH   := $(if $(TORCH_URL),--extra-index-url $(TORCH_URL),)

# `make jupyter`: extra arguments for `jupyter lab` (`JUPYTER_ARGS="--no-browser --port 8890"`);
# --allow-root is added when make runs as root (containers, CI), where Jupyter refuses otherwise.
JUPYTER_ARGS ?=
USER_ID      ?= $(shell id -u)
ROOT_ARG     := $(if $(filter 0,$(USER_ID)),--allow-root,)
# The learner's copy of the chapters (git-ignored): made from book/ on the first `make jupyter`;
# a file already there is never overwritten, so book/ stays as committed and the work stays.
WORK := work

.PHONY: book test check style notebook-times lighthouse chromium pdf jupyter work install-cells env assets lint format clean clean-cache

book: $(STAMP) $(ASSETS)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo ""
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# Lint and the package tests: no book, no browser, no notebook (under a minute).
check: $(STAMP) style
	$(BIN)/python -m pytest -q -m "not book and not browser" tests cnncourse

# Everything: lint, package tests, every notebook (nbval, with the book's cell timeout from
# _config.yml), the book build and the browser test.
# One process: the notebooks train small torch models, and two workers on two cores
# oversubscribe the CPU (OpenMP threads spin) and slow everything down many times.
test: $(STAMP) $(ASSETS) chromium style
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests cnncourse book

chromium:
	@bash tools/ensure_chromium.sh

# Lint without changing anything (`make lint` fixes what it can).
style: $(STAMP)
	$(BIN)/ruff format --check cnncourse tests tools _ext
	$(BIN)/ruff check cnncourse tests tools _ext

# A benchmark (run it on a quiet machine): every notebook executed fresh, against its budget.
notebook-times: $(STAMP)
	$(BIN)/python tools/notebook_times.py

# A benchmark (after `make book`, on a quiet machine): Lighthouse's phone and desktop scores of
# three pages, the median of three runs each; fails under 80 mobile performance or 100
# accessibility. Lighthouse (pinned in tools/lighthouse/, with its lock file) comes from the npm
# registry (`npm install`: `npm ci` refuses the lock, as one dependency asks for a tag, "latest").
LIGHTHOUSE_PAGES ?= book/intro book/convolution book/prior
LIGHTHOUSE := tools/lighthouse/node_modules/.bin/lighthouse
lighthouse: $(STAMP) chromium
	test -x $(LIGHTHOUSE) || npm install --prefix tools/lighthouse --no-audit --no-fund --no-save
	$(BIN)/python tools/lighthouse.py $(LIGHTHOUSE_PAGES) --runs 3 --desktop

# One PDF of the whole book (Chromium prints every page; linked from the download menu).
pdf: $(STAMP) $(ASSETS)
	CNNCOURSE_PDF=cnncourse.pdf $(BIN)/jupyter-book build . --builder html -W -n --keep-going
	$(BIN)/python tools/pdf.py --html _build/html --out _build/html/cnncourse.pdf

# The book in JupyterLab, widgets live with a kernel, on the learner's copy work/ (see WORK).
jupyter: $(STAMP) work
	$(BIN)/jupyter lab $(ROOT_ARG) $(JUPYTER_ARGS) $(WORK)/

# Copy into work/ each file of book/ that is not there yet (delete one to get it afresh).
work:
	@mkdir -p $(WORK)
	@for f in book/*; do \
		if [ -e "$(WORK)/$${f#book/}" ]; then :; else cp -R "$$f" "$(WORK)/" && echo "copied $$f to $(WORK)/"; fi; \
	done

# Rewrite each notebook's first (install) cell from _config.yml's repository setting.
install-cells: $(STAMP)
	$(BIN)/python tools/install_cells.py

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet $(PIP_TORCH) -c constraints.txt -e ".[all]"
	touch $(STAMP)

assets: $(ASSETS)

$(ASSETS): tools/fetch_assets.py tools/assets.json $(STAMP)
	$(BIN)/python tools/fetch_assets.py

lint: $(STAMP)
	$(BIN)/ruff format cnncourse tests tools _ext
	$(BIN)/ruff check --fix cnncourse tests tools _ext

clean-cache:
	rm -rf _build/.jupyter_cache _build/jupyter_execute

clean:
	rm -rf _build _assets/vendor
