"""Write the sweeps shipped with the package (contexture_lab/data/), for maintainers.

    .venv/bin/python tools/ship_sweeps.py

Recomputes the digits KNN sweep of notebook 05 (about 20 s on two cores) and stores it as
package data, so that a student's first open of the association explorer reads it instead
of computing it. Run it again when tests/unit/test_shipped_sweeps.py reports that a shipped
sweep no longer equals its recomputation (the code that computes it changed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contexture_lab.explore import association as ea  # noqa: E402


def main() -> None:
    if os.environ.get("CONTEXTURE_LAB_SCRAMBLE"):
        raise SystemExit("unset CONTEXTURE_LAB_SCRAMBLE: shipped sweeps are the plain ones")
    for old in ea.SHIPPED_DIR.glob("association-*.npz"):
        old.unlink()
    ea.SHIP_TO = ea.SHIPPED_DIR
    ea.digits_knn_sweep(cache=False)
    for path in sorted(ea.SHIPPED_DIR.glob("association-*.npz")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
