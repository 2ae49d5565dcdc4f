"""Make this checkout importable as ansible_collections.hastack.web for the unit and integration tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".collections"
LINK = COLLECTIONS / "ansible_collections" / "hastack" / "web"

if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(Path("../../.."))
sys.path.insert(0, str(COLLECTIONS))
