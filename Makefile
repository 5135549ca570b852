# Two commands for a new user: `make run` and `make test` (see README.md).
PYTHON ?= python3

.PHONY: run test bench screenshots

run:
	$(PYTHON) scripts/dev.py run

test:
	$(PYTHON) scripts/dev.py test -- $(ARGS)

bench:
	$(PYTHON) scripts/dev.py bench

screenshots:
	$(PYTHON) scripts/dev.py screenshots
