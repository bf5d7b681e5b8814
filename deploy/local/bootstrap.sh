#!/usr/bin/env bash
# Installs what a fresh machine lacks to run or test Talenta: the Python packages (in .venv),
# Debian's postgresql (only when initdb is missing) and, with --tests, chromium (for the trace-UI
# test), and the Kafka jars and the Zipkin server jar (from Maven Central, into a cache outside the
# repo). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip > .venv/pip.log 2>&1
  .venv/bin/pip install -e '.[test]' >> .venv/pip.log 2>&1 || { cat .venv/pip.log >&2; exit 1; }
  touch "$stamp"
fi

missing=()
command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ "${1:-}" = "--tests" ]; then  # the trace-UI test drives a real browser
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (install them, or run as root)" >&2
  fi
fi

.venv/bin/python -m deploy.local.kafka fetch
.venv/bin/python -m deploy.local.zipkin fetch
