"""hastack.web's development tools, one package: the container lab, the experiments that
measure it, and the repository's gates. Its one entry point is tools/lab (tools/lab --help).

None of it ships in the collection: galaxy.yml leaves tools/ out of the artifact.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package belongs to."""
