# The two commands of the README:  `make book`  and  `make test`.
# Both create .venv when it is missing, install what is needed once (re-run when pyproject.toml
# changes), and are quick when everything is already in place.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch; an unpinned torch pulls a multi-GB CUDA build. Override to taste.
TORCH_SPEC ?= torch==2.13.0
MATHJAX_VERSION ?= 3.2.2
INSTALLED := $(VENV)/.energygnn-installed
MATHJAX := _build/_mathjax/mathjax/tex-chtml.js
PLOTLY := _build/_plotly/plotly/plotly.min.js
# pip on these machines warns about index folders it skips; the warnings are noise.
QUIET_PIP := { grep -v "is ignored: it is neither a file nor a directory" || true; }
# Each chapter's kernel logs that its local sockets are unencrypted TCP; on one machine that is noise.
QUIET_KERNELS := { grep --line-buffered -v "Kernel is running over TCP without encryption" || true; }

.PHONY: help setup warm book test bench faults clean

help:
	@echo "make book   build the HTML book into _build/html/"
	@echo "make test   run pytest over tests/, every chapter included"
	@echo "make bench  re-run the benchmarks (writes results/benchmarks/*.json)"
	@echo "make faults kill a quick sweep 20 times at random moments and check it resumes to the same results"
	@echo "make setup  only create .venv and install"

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH_SPEC)" 2>&1 | $(QUIET_PIP)
	$(PY) -m pip install -q -e ".[book,test]" 2>&1 | $(QUIET_PIP)
	@touch $@

# MathJax served from the book itself, so that math renders with no network.
$(MATHJAX):
	@command -v npm >/dev/null || { echo "make book: npm is needed to fetch MathJax $(MATHJAX_VERSION) for offline math; install Node.js/npm." >&2; exit 1; }
	rm -rf _build/_mathjax _build/_npm
	npm install --silent --no-save --no-audit --no-fund --prefix _build/_npm mathjax@$(MATHJAX_VERSION)
	mkdir -p _build/_mathjax
	cp -r _build/_npm/node_modules/mathjax/es5 _build/_mathjax/mathjax
	rm -rf _build/_npm

# Plotly served from the book itself too: the plotly package's own copy, for the interactive figures.
$(PLOTLY): $(INSTALLED)
	mkdir -p $(dir $(PLOTLY))
	cp "$$($(PY) -c 'from energygnn.reporting.slider_figure import plotly_js_path; print(plotly_js_path())')" $@

# Each chapter is executed once: the book's build stores executed notebooks in the execution
# cache, and `make test` checks them from there (executing and caching any that are missing).
# The cache keys on the notebooks only; chapters also read results/ and the package, so it is
# dropped whenever either changes.
INPUTS_STAMP := _build/.chapter-inputs.sha256
define refresh_chapter_cache
	@mkdir -p _build; digest=$$(find results energygnn -type f \( -name '*.json' -o -name '*.py' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum); \
	if [ "$$digest" != "$$(cat $(INPUTS_STAMP) 2>/dev/null)" ]; then rm -rf _build/.jupyter_cache; echo "$$digest" > $(INPUTS_STAMP); fi
endef

# Data processed and kernels compiled before the chapters run, so that PyG's "Processing..." and the
# one-time build message go to this log rather than into the pages.
warm: $(INSTALLED)
	@$(PY) -c "import energygnn; from energygnn import native; [energygnn.load_planetoid(n) for n in ('Cora', 'CiteSeer', 'PubMed')]; native.available()"

book: $(INSTALLED) $(MATHJAX) $(PLOTLY) warm
	$(refresh_chapter_cache)
	$(VENV)/bin/jupyter-book build . --all --builder html -W -n --keep-going 2>&1 | $(QUIET_KERNELS)
	@test -f _build/html/index.html || { echo "make book: _build/html/index.html is missing" >&2; exit 1; }
	@echo "Book: $(CURDIR)/_build/html/index.html"

# pytest over tests/, which includes every chapter (tests/test_chapters.py: nbval's lax rule on
# the executed notebooks).
test: $(INSTALLED) warm
	$(refresh_chapter_cache)
	$(PY) -m pytest tests

bench: $(INSTALLED)
	$(PY) -m benchmarks.entropy_gradient --no-quick
	$(PY) -m benchmarks.deep_epoch_speed --no-quick
	$(PY) -m benchmarks.deep_epoch_cost --no-quick
	$(PY) -m benchmarks.jem_epoch_cost --no-quick
	$(PY) -m benchmarks.scaling --no-quick
	$(PY) -m benchmarks.chapter_times --no-quick
	$(PY) -m benchmarks.numerics_cost --no-quick
	$(PY) -m benchmarks.reproduction --no-quick

faults: $(INSTALLED)
	ENERGYGNN_KILLS=20 $(PY) -m pytest tests/test_experiments.py -k killed_again

clean:
	rm -rf _build
