# The two commands a newcomer needs: `make run` (the whole system on one machine) and `make test`.
.PHONY: install run test unit

install:
	bash deploy/local/bootstrap.sh

run: install
	.venv/bin/python -m deploy.local.run

# pytest exits 5 when it collects no test: that is a failure here, not a pass.
test: install
	.venv/bin/python -m pytest $(PYTEST_ARGS)

unit:
	.venv/bin/python -m pytest tests/unit -q
