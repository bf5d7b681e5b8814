#!/usr/bin/env bash
# Installs what a fresh machine lacks to run or test Talenta: the Python packages (in .venv),
# PostgreSQL's server binaries (Debian's postgresql, only when initdb is missing) and the Kafka jars
# (from Maven Central, into a cache outside the repo). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi

have_initdb() {
  command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if ! have_initdb; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries (initdb) are missing: install Debian's postgresql package." >&2
  fi
fi

.venv/bin/python -m deploy.local.kafka fetch
