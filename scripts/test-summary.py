"""Add up pytest's JUnit XML reports into one closing line: `tests: N passed, N failed, N skipped`.

Usage: python scripts/test-summary.py REPORT.xml...  (missing reports count as nothing run)
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(paths: list[str]) -> None:
    total = failed = skipped = 0
    for path in map(Path, paths):
        if not path.is_file():
            print(f"({path.name}: no report, that pytest run did not finish)")
            continue
        root = ET.parse(path).getroot()  # noqa: S314 - our own pytest's reports
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            total += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
    passed = total - failed - skipped
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")


if __name__ == "__main__":
    main(sys.argv[1:])
