"""Run every benchmark and print its figures: `python -m benchmarks [name …]`."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = ["gateway", "stats", "catalog", "moderation", "onboarding"]


def main(names: list[str]) -> int:
    failed = 0
    for name in names or BENCHMARKS:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            print(f"   not available: {error}")
            continue
        try:
            for line in module.run():
                print(f"   {line}", flush=True)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"   FAILED: {error!r}", flush=True)
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
