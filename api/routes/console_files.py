"""The built console (``console/dist``, made by ``npm run build`` — ``make run`` does it) served under ``/console``.

A path that names a file answers the file; any other path answers ``index.html``, so the console's own routes
(``/console/issues/…``) survive a reload. Unknown ``/console/api/…`` paths stay 404 problems. Without a build,
every console path answers a 503 page saying how to make one.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from api.problems import Problem, problem_response

DIST = Path(__file__).resolve().parents[2] / "console" / "dist"

NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Whistle console not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>控制台尚未构建 · The console has not been built</h1>
<p>在仓库根目录运行 <code>make run</code>（它会构建控制台），或手动构建：</p>
<p>Run <code>make run</code> from the repository (it builds the console), or build it by hand:</p>
<pre>cd console &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>The API itself is up: <a href="/docs">/docs</a>.</p>
</body></html>
"""


class ConsoleFiles(StaticFiles):
    """``StaticFiles`` with the single-page fallback to ``index.html`` and the 503 page when not built."""

    def __init__(self, dist: Path) -> None:
        super().__init__(directory=dist, check_dir=False)
        self.dist = dist

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not (self.dist / "index.html").is_file():
            await HTMLResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "30"})(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == "api" or path.startswith("api/"):
            return problem_response(Problem("not-found", f"no console API {path!r}"), scope.get("path"))
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):  # content-hashed names: they never change
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def mount(app: FastAPI, dist: Path = DIST) -> None:
    """Serve ``dist`` under ``/console`` (after every other route, so ``/console/api`` answers first)."""
    app.mount("/console", ConsoleFiles(dist), name="console")
