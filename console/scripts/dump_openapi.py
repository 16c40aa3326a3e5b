"""Write the API's OpenAPI schema to console/openapi.json (``npm run gen:api`` runs this, then openapi-typescript),
and the action forms it publishes (``GET /v1/actions``) to console/tests/unit/forms.json, for the unit tests.

Run from anywhere with the project's virtualenv: ``.venv/bin/python console/scripts/dump_openapi.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402 - after the path is set
from api.routes.actions import forms  # noqa: E402
from core.settings import Settings  # noqa: E402

schema = create_app(Settings()).openapi()
(ROOT / "console" / "openapi.json").write_text(json.dumps(schema, ensure_ascii=False, indent=1) + "\n")
print(f"console/openapi.json: {len(schema['paths'])} paths")
FORMS = ROOT / "console" / "tests" / "unit" / "forms.json"
FORMS.write_text(json.dumps(forms(), ensure_ascii=False, indent=1) + "\n")
print(f"console/tests/unit/forms.json: {len(forms())} forms")
