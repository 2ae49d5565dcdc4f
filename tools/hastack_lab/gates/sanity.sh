#!/usr/bin/env bash
# tools/lab gate sanity: runs `ansible-test sanity` on this checkout, as it would run on the built collection:
# in an ansible_collections/hastack/web tree holding the files git tracks (plus new,
# not yet ignored ones), less the project tooling that galaxy.yml's build_ignore keeps
# out of the collection (tools/, molecule/, .ci/, .config/): those are not collection
# content and have their own linters. Extra arguments go to ansible-test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
python="$root/.venv/bin/python"
ansible_test="$root/.venv/bin/ansible-test"

# The pip bootstrap stand-in, under the name ansible-test looks for (see its docstring).
pip_version=$("$python" - <<'PY'
# ansible-test's own answer to "which pip does a test environment get" (not its source text)
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])
PY
)
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cp "$root/tools/hastack_lab/gates/get_pip_standin.py" "$cache/get_pip_${pip_version//./_}.py"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/ansible_collections/hastack/web"
mkdir -p "$tree"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' \
  | grep -v -E '^(tools|molecule|\.ci|\.config)/' | tar -cf - -T -) | tar -C "$tree" -xf -
cd "$tree"
"$ansible_test" sanity --local --python 3.11 --color no "$@"
