"""The bare aiohttp baseline: `POST /webhook/whatsapp` reads the body and answers 200.

Run as `python -m tests.bench.bare --port P [--loop auto|uvloop|asyncio]`; `GET /healthz`
answers 200 once it listens. The event loop is chosen as consentbot chooses its own
(`CONSENTBOT_EVENT_LOOP`, `auto` by default), so that both run on the same loop.
"""

from __future__ import annotations

import argparse

from aiohttp import web

from bot.server import new_event_loop


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


def server_parser(description: str | None) -> argparse.ArgumentParser:
    """The options every benchmarked server takes: `--host`, `--port` and `--loop`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=["auto", "uvloop", "asyncio"], default="auto")
    return parser


def serve(app: web.Application, args: argparse.Namespace) -> None:
    """Run `app` quietly (no access log, no banner) on `args.host`:`args.port`."""
    loop, _ = new_event_loop(args.loop)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None, loop=loop)


def main(argv: list[str] | None = None) -> None:
    serve(make_app(), server_parser(__doc__).parse_args(argv))


if __name__ == "__main__":
    main()
