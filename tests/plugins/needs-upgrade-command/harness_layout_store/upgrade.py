"""``harness-layout-upgrade layout:<dir>``: move every older layout's data into this MLflow's."""

import os
import shutil
import sys

from harness_layout_store import layout


def main() -> int:
    root = sys.argv[1].split(":", 1)[1]
    target = layout(root)
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        source = os.path.join(root, name)
        if name.startswith("layout-") and source != target:
            os.makedirs(target, exist_ok=True)
            for entry in os.listdir(source):
                shutil.move(os.path.join(source, entry), os.path.join(target, entry))
            os.rmdir(source)
            print(f"moved {source} to {target}")
    return 0
