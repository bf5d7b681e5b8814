# The two commands a newcomer needs: `make run` (the whole system on one machine) and `make test`.
.PHONY: install install-tests run test unit demo

install:
	bash deploy/local/bootstrap.sh

install-tests:
	bash deploy/local/bootstrap.sh --tests

run: install
	.venv/bin/python -m deploy.local.run

# With `make run` going (in another terminal): a synthetic regency of ~700 ASN through the public APIs.
demo: install
	.venv/bin/python -m deploy.demo.load

# .ci/run calls this and treats pytest's exit 5 (no test collected) as a failure.
test: install-tests
	.venv/bin/python -m pytest $(PYTEST_ARGS)

unit:
	.venv/bin/python -m pytest tests/unit -q
