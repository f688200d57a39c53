"""Write the sweeps shipped with the package (contexture_lab/data/), for maintainers.

    .venv/bin/python tools/ship_sweeps.py

Recomputes the digits KNN sweep of notebook 05 (about 20 s on two cores) and the digits
mixing sweep of notebook 06 (about 15 s) and stores them as package data, so that a
student's first open of the association and mixing explorers reads them instead of
computing them. Run it again when tests/unit/test_shipped_sweeps.py reports that a shipped
sweep no longer equals its recomputation (the code that computes it changed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contexture_lab.explore import association as ea  # noqa: E402
from contexture_lab.explore import mixing as em  # noqa: E402


def main() -> None:
    if os.environ.get("CONTEXTURE_LAB_SCRAMBLE"):
        raise SystemExit("unset CONTEXTURE_LAB_SCRAMBLE: shipped sweeps are the plain ones")
    for old in ea.SHIPPED_DIR.glob("association-*.npz"):
        old.unlink()
    ea.SHIP_TO = ea.SHIPPED_DIR
    ea.digits_knn_sweep(cache=False)
    for old in em.SHIPPED_DIR.glob("mixing-*.npz"):
        old.unlink()
    em.SHIP_TO = em.SHIPPED_DIR
    em.digits_mixing_sweep(progress=False)
    for path in sorted([*ea.SHIPPED_DIR.glob("association-*.npz"),
                        *em.SHIPPED_DIR.glob("mixing-*.npz")]):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
