"""The `crmhub` command: serve, migrate, demo, createuser, export-schema, persist."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from crmhub.logging_setup import configure_logging
from crmhub.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crmhub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument("--host", help="default: CRMHUB_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: CRMHUB_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)

    commands.add_parser("migrate", help="apply database migrations")

    demo = commands.add_parser("demo", help="load demo data (idempotent)")
    demo.add_argument(
        "--if-empty", action="store_true", help="only when the database has no users yet"
    )

    create = commands.add_parser("createuser", help="create a user (asks for the password)")
    create.add_argument("email")
    create.add_argument("name")
    create.add_argument("--admin", action="store_true")
    create.add_argument("--position", default="")

    export = commands.add_parser("export-schema", help="print the served schema as SDL")
    export.add_argument("--output", type=Path, help="write it to this file instead of stdout")

    persist = commands.add_parser(
        "persist",
        help="register GraphQL documents as persisted queries (the allow-list's way in)",
    )
    persist.add_argument(
        "files",
        nargs="+",
        type=Path,
        help="a .graphql file (one document) or an Apollo persisted-query manifest (.json)",
    )

    args = parser.parse_args(argv)
    if args.command == "export-schema":
        return _export_schema(args.output)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "demo":
        from crmhub.demo import load_demo

        loaded = asyncio.run(load_demo(settings, only_if_empty=args.if_empty))
        print("demo data loaded" if loaded else "demo data already present")
        return 0
    if args.command == "persist":
        return asyncio.run(_persist(settings, args.files))
    password = getpass.getpass("password: ")
    return asyncio.run(_create_user(settings, args, password))


def _export_schema(output: Path | None) -> int:
    from crmhub.sdl import served_sdl

    sdl = served_sdl()
    if output is None:
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl)
        print(f"wrote {output}")
    return 0


async def _migrate(settings: Settings) -> None:
    from crmhub.database import create_engine
    from crmhub.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _serve(settings: Settings, host: str | None, port: int | None, workers: int) -> int:
    import uvicorn

    from crmhub.http_protocol import GUARDED_HTTP
    from crmhub.metrics import reset_multiprocess_dir
    from crmhub.websocket import FRAMED_WEBSOCKETS

    asyncio.run(_migrate(settings))
    reset_multiprocess_dir()
    host, port = host or settings.host, port or settings.port
    print(f"crmhub: dashboard at http://{host}:{port}/, GraphiQL at /graphql", flush=True)
    uvicorn.run(
        "crmhub.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        # The fast event loop and HTTP parser, asked for by name: a missing one fails loudly
        # instead of falling back to the slow default. The parser's protocol bounds request
        # heads in time and size (crmhub/http_protocol.py).
        loop="uvloop",
        http=GUARDED_HTTP,
        # Live events are small JSON messages: compressing each costs more CPU per delivery
        # than it saves, and a zlib context per socket costs memory per idle subscriber.
        ws_per_message_deflate=False,
        # Offers the app a frame writer: live events skip the per-subscriber pipeline.
        ws=FRAMED_WEBSOCKETS,
        # A websocket message is held whole before it is parsed: no larger than a body.
        ws_max_size=settings.max_body_bytes,
        # Logging as configured here and in every worker (crmhub/asgi.py); the access log
        # is the app's own, which carries the request id and leaves query strings out.
        log_config=None,
        access_log=False,
    )
    return 0


async def _persist(settings: Settings, files: list[Path]) -> int:
    from crmhub.persist_files import persist_files

    try:
        registered = await persist_files(settings, files)
    except (OSError, ValueError) as error:
        print(f"crmhub: {error}", file=sys.stderr)
        return 1
    for sha256, name in registered:
        print(f"{sha256}  {name}")
    return 0


async def _create_user(settings: Settings, args: argparse.Namespace, password: str) -> int:
    from crmhub.demo import create_user_directly
    from resolvers.errors import DomainError

    try:
        await create_user_directly(
            settings, args.email, args.name, password, is_admin=args.admin, position=args.position
        )
    except DomainError as error:
        print(f"crmhub: {error.message}", file=sys.stderr)
        return 1
    print(f"created {args.email}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
