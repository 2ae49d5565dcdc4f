"""Stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test downloads get-pip.py from a host that these machines cannot reach, and
says where a saved copy may be put instead (~/.ansible/test/cache/get_pip_<ver>.py).
tools/lab gate sanity (gates/sanity.sh) puts this file there. It does what the real script is used
for: bootstrap pip from the interpreter's bundled copy (ensurepip), then install what
ansible-test asked for (e.g. pip==24.2) from the package index.

ansible-test runs it with a stripped environment, so the system CA bundle is set for
pip here. The flags --no-setuptools/--no-wheel belong to get-pip.py, not to pip.
"""

import os
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    env = dict(os.environ)
    for bundle in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
        if os.path.exists(bundle):
            env.setdefault("PIP_CERT", bundle)
            break
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], env=env)
    subprocess.check_call([sys.executable, "-m", "pip", "install", *args], env=env)


if __name__ == "__main__":
    main()
