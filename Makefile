# Two commands for a new user: `make run` and `make test` (see README.md).
PYTHON ?= python3

.PHONY: run test lint bench bench-load screenshots

run:
	$(PYTHON) scripts/dev.py run

test:
	$(PYTHON) scripts/dev.py test -- $(ARGS)

# OCA's linters on the whole tree; ARGS=--fix lets them rewrite what they can.
lint:
	$(PYTHON) scripts/lint.py $(ARGS)

bench:
	$(PYTHON) scripts/dev.py bench

# N concurrent streams through Odoo's gevent port, e.g. make bench-load ARGS="--n 100,300".
bench-load:
	$(PYTHON) scripts/dev.py bench-load -- $(ARGS)

screenshots:
	$(PYTHON) scripts/dev.py screenshots
