#!/usr/bin/env bash
# Creates or refreshes the Python virtual environment of one tool and prints its path (last line of stdout).
#
#   python/venv.sh mlflow      # -> ${INGOT_VENV_CACHE:-$HOME/.cache/ingot/venvs}/mlflow
#
# The environment is built from python/requirements-NAME.txt (every package pinned) with `python3` from the PATH
# (override with INGOT_PYTHON). It lives outside the repository, so every worktree and CI run shares it; a stamp file
# holds the hash of the requirements file and of the Python version: unchanged -> reused in well under a second,
# changed -> rebuilt from scratch. Concurrent callers (two test JVMs, CI and a developer) serialize on a flock, and
# the stamp is written last, so a half-built environment is never reused.
#
# A requirements file may name a smoke test in a line `# verify: COMMAND` (run with the environment's bin/ first on
# the PATH); a build whose smoke test fails is deleted and the script exits non-zero.
set -euo pipefail

name=${1:-}
here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements-$name.txt"
if [[ -z "$name" || ! -f "$req" ]]; then
  echo "venv.sh: usage: python/venv.sh NAME, with python/requirements-NAME.txt present (got '$name')" >&2
  exit 2
fi
python=${INGOT_PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || { echo "venv.sh: '$python' not found on the PATH: install Python 3.11" >&2; exit 2; }

cache=${INGOT_VENV_CACHE:-$HOME/.cache/ingot/venvs}
venv="$cache/$name"
stamp="$venv/.ingot-stamp"
mkdir -p "$cache"

want=$( { cat "$req"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)

exec 9>"$cache/$name.lock"
# A first build downloads a few hundred MB: wait long for another process doing it, but not forever.
flock -w 1800 9 || { echo "venv.sh: timed out waiting for $cache/$name.lock" >&2; exit 1; }

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  echo "$venv"
  exit 0
fi

echo "venv.sh: building $venv from $req (first time or requirements changed; takes a few minutes)" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2; then
  rm -rf "$venv"
  echo "venv.sh: pip install -r $req failed (output above)" >&2
  exit 1
fi
verify=$(sed -n 's/^# verify: //p' "$req")
if [[ -n "$verify" ]] && ! PATH="$venv/bin:$PATH" bash -c "$verify" >/dev/null 2>"$venv.verify.log"; then
  cat "$venv.verify.log" >&2
  rm -rf "$venv" "$venv.verify.log"
  echo "venv.sh: the smoke test '$verify' failed in the new environment (output above)" >&2
  exit 1
fi
rm -f "$venv.verify.log"
echo "$want" >"$stamp"
echo "$venv"
