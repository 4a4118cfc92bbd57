"""Write the own-data examples' CSVs from datasets that ship with scikit-learn (nothing to download).

    python examples/own-data/make_data.py [breast-cancer] [diabetes] [wine]   (default: all three)

Each goes to ``examples/own-data/data/<name>/`` as SageMaker XGBoost's ``text/csv`` wants it:
headerless, the label first, then the features, one row per line. A seeded 70/30 split
(stratified for the classifiers); diabetes' training rows are split into three files of a folder,
to show a channel of several files. ``make example-<name>`` writes them and runs the example.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

HERE = Path(__file__).resolve().parent
LOADERS = {
    "breast-cancer": (datasets.load_breast_cancer, True),  # binary: 0 malignant, 1 benign
    "diabetes": (datasets.load_diabetes, False),  # regression: disease progression after a year
    "wine": (datasets.load_wine, True),  # multi-class: 3 cultivars
}
TRAIN_PARTS = {"diabetes": 3}


def rows_csv(labels: np.ndarray, features: np.ndarray) -> str:
    """Label first; floats written as Python writes them (exactly the dataset's values), ints as ints."""
    label_text = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in labels]
    return "".join(",".join([label, *map(repr, map(float, row))]) + "\n" for label, row in zip(label_text, features))


def write(name: str, root: Path = HERE / "data") -> Path:
    load, classifier = LOADERS[name]
    features, labels = load(return_X_y=True)
    x_train, x_validation, y_train, y_validation = train_test_split(
        features, labels, test_size=0.3, random_state=0, stratify=labels if classifier else None)
    folder = root / name
    (folder / "train").mkdir(parents=True, exist_ok=True)
    parts = TRAIN_PARTS.get(name, 1)
    for index, (part_x, part_y) in enumerate(zip(np.array_split(x_train, parts), np.array_split(y_train, parts))):
        (folder / "train" / f"part-{index}.csv").write_text(rows_csv(part_y, part_x))
    (folder / "validation.csv").write_text(rows_csv(y_validation, x_validation))
    return folder


def main(names: list[str]) -> None:
    for name in names or list(LOADERS):
        if name not in LOADERS:
            sys.exit(f"unknown example {name!r}; one of {', '.join(LOADERS)}")
        folder = write(name)
        print(f"wrote {folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder}/")


if __name__ == "__main__":
    main(sys.argv[1:])
