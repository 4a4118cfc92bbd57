"""Generate layers/common/amt_pipeline/data/digits.csv.gz from scikit-learn's Digits.

scikit-learn is too big for a Lambda, so the pipeline ships the 1,797 Digits
rows instead (~60 KB gzipped): headerless CSV, label first, then the 64 pixel
values (whole numbers 0-16, written as ints). Run in the dev virtualenv::

    .venv/bin/python scripts/generate_digits.py

tests/unit/test_datasets.py checks the file equals ``load_digits()``.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parents[1] / "layers/common/amt_pipeline/data/digits.csv.gz"


def main() -> int:
    digits = load_digits()
    pixels = digits.data
    if not np.array_equal(pixels, np.rint(pixels)):
        raise SystemExit("Digits pixels are no longer whole numbers: the int CSV would lose data")
    table = np.column_stack([digits.target, pixels]).astype(np.int64)
    text = "".join(",".join(map(str, row)) + "\n" for row in table.tolist())
    # mtime=0 and no file name: the same data always gives the same bytes.
    OUT.write_bytes(gzip.compress(text.encode("ascii"), compresslevel=9, mtime=0))
    print(f"wrote {OUT}: {table.shape[0]} rows x {table.shape[1]} columns, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
