#!/usr/bin/env bash
# Creates or refreshes .venv/ from requirements.txt, then installs this plugin editable.
# Does nothing when .venv/ already matches requirements.txt and pyproject.toml.
# Usage: tools/setup_venv.sh [--force]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
venv=.venv
stamp="$venv/.installed-from"
python_bin="${PYTHON:-python3.11}"
wanted="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"

if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

start=$(date +%s)
echo "[setup_venv] installing $venv from requirements.txt (a few minutes on first run)"
if [[ ! -x "$venv/bin/python" ]]; then
    # The venv keeps its own pip: openmim imports pip internals.
    "$python_bin" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)

resolved_reqs="$(mktemp)"
no_deps_reqs="$(mktemp)"
trap 'rm -f "$resolved_reqs" "$no_deps_reqs"' EXIT
grep -v -- '# no-deps' requirements.txt > "$resolved_reqs"
grep -- '# no-deps' requirements.txt | sed 's/#.*//' > "$no_deps_reqs"

# pip reports its find-links folders here as "ignored"; those lines are noise.
"${pip[@]}" -r "$resolved_reqs" 2> >(grep -v "is ignored: it is neither" >&2)
"${pip[@]}" --no-deps -r "$no_deps_reqs"
"${pip[@]}" --no-deps --no-build-isolation -e .

rm -f "$stamp"
echo "$wanted" > "$stamp"
echo "[setup_venv] done in $(( $(date +%s) - start )) s"
