#!/usr/bin/env bash
# tools/lab gate build-check: builds the collection tarball and uses it the way a Galaxy user would: installs it
# into an empty collections path, then - from outside this checkout, without its
# ansible.cfg - reads the role and filter docs and syntax-checks hastack.web.site.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
bin="$root/.venv/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/ansible-galaxy" collection build "$root" --output-path "$work/dist" --force >/dev/null
tarball=$(ls "$work"/dist/hastack-web-*.tar.gz)
echo "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"

# build_ignore keeps the project's own tooling and tests out of what users install
contents=$(tar -tzf "$tarball")
for must in roles/common/meta/argument_specs.yml playbooks/site.yml plugins/filter/cluster.py \
            plugins/module_utils/cluster.py meta/runtime.yml README.md; do
  grep -qx "$must" <<<"$contents" || { echo "build-check: $must missing from the tarball"; exit 1; }
done
for mustnot in molecule/ tests/ tools/ .ci/ inventory/lab/ .venv/ .collections/; do
  if grep -q "^$mustnot" <<<"$contents"; then echo "build-check: $mustnot is in the tarball"; exit 1; fi
done

# Offline: the dependencies come with the ansible package, nothing is downloaded.
cd "$work"
unset ANSIBLE_CONFIG
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
"$bin/ansible-galaxy" collection install "$tarball" -p "$work/collections" --offline >/dev/null
"$bin/ansible-galaxy" collection list hastack.web | grep -q 'hastack.web'

doc=$("$bin/ansible-doc" -t role hastack.web.common)
for option in common_hosts_members common_ntp_sources common_sysctl; do
  grep -q "$option" <<<"$doc" || { echo "build-check: ansible-doc does not show $option"; exit 1; }
done
"$bin/ansible-doc" -t filter hastack.web.sysctl_split | grep -q "host_only"
# the module's docs render with the shared connection options (its doc fragment)
"$bin/ansible-doc" hastack.web.proxmox_vm | grep -q "api_token_secret"
printf 'all:\n  hosts:\n    x:\n      ansible_connection: local\n' > inventory.yml
"$bin/ansible-playbook" -i inventory.yml hastack.web.site --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.provision --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.preflight --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.failover_test --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.rolling_maintenance --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.drain --syntax-check >/dev/null
"$bin/ansible-playbook" -i inventory.yml hastack.web.retire --syntax-check >/dev/null
# the ProxySQL modules' docs render with their shared login options (their doc fragment)
"$bin/ansible-doc" hastack.web.proxysql_backend | grep -q "login_password_previous"
# the failover test is documented where a Galaxy user looks
"$bin/ansible-doc" -t role hastack.web.failover_test | grep -q "failover_test_confirm"
echo "build-check: tarball installs offline; ansible-doc shows the role and module docs; hastack.web.site, .provision," \
  ".preflight, .failover_test, .rolling_maintenance, .drain and .retire parse"
