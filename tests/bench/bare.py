"""The bare aiohttp baseline: `POST /webhook/whatsapp` reads the body and answers 200.

Run as `python -m tests.bench.bare --port P`; `GET /healthz` answers 200 once it listens.
"""

from __future__ import annotations

import argparse

from aiohttp import web


async def webhook(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="ok")


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/webhook/whatsapp", webhook)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(make_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
