"""Write the workbook a district's clerk starts from (docs/directory-template.xlsx): the instruction sheet 说明 and
the sheets 单位 / 人员 / 事项 / 规则 with example rows of every kind, all of which load as they are.

    .venv/bin/python scripts/directory_template.py [-o FILE]

The example is a slice of the generated district 海燕区 (tests/districts.py): the city and the district, one
street, two communities, three grids (one retired, handed to its neighbour, its grid worker deactivated), the
departments its matters name and one row per person of each unit's roles.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a file: the example district lives in the project's tests/

from domain.directory import Directory  # noqa: E402 - after the path is set
from domain.organisation import Level, UnitKind  # noqa: E402
from store.directory_files import to_workbook  # noqa: E402
from tests.districts import generate_district  # noqa: E402

TEMPLATE = ROOT / "docs" / "directory-template.xlsx"


def example() -> Directory:
    """The example rows: small enough to read at a glance, with a retired grid and a deactivated person."""
    whole = generate_district(streets=1, communities=2, grids=3, principals=0, matters=8, categories=4)
    functions = {f for m in whole.matters for f in m.departments}
    units = [u for u in whole.units if u.kind is UnitKind.territorial or u.function in functions]
    grids = [u for u in units if u.level is Level.grid]
    retired, successor = grids[1], grids[0]  # the first community's two grids become one
    units = [u.model_copy(update={"active": False, "successor_id": successor.id}) if u.id == retired.id else u
             for u in units]
    kept = {u.id for u in units}
    principals = [p.model_copy(update={"active": False}) if p.unit_id == retired.id else p
                  for p in whole.principals if p.unit_id in kept]
    return whole.model_copy(update={"units": tuple(units), "principals": tuple(principals)}).sorted()


def main() -> None:
    ap = argparse.ArgumentParser(prog="scripts/directory_template.py", description="the directory workbook template")
    ap.add_argument("-o", "--output", type=Path, default=TEMPLATE)
    args = ap.parse_args()
    directory = example()
    args.output.write_bytes(to_workbook(directory))
    print(f"wrote {args.output}: {len(directory.units)} units, {len(directory.principals)} people, "
          f"{len(directory.matters)} matters")


if __name__ == "__main__":
    main()
