"""`python -m aduan.migrate SERVICE…`: apply a service's SQL migrations and exit.

The Kubernetes init step of every Deployment (deploy/k8s). Safe from several replicas at once:
`apply_migrations` holds the schema's advisory lock, so one applies and the others find it done.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import services
from shared.db import Database, apply_migrations
from shared.logging import configure_logging, get_logger
from shared.settings import ServiceSettings

SERVICES = ("intake", "routing", "forwarder", "notifier")
log = get_logger(__name__)


def migrations_of(service: str) -> Path:
    return Path(services.__file__).parent / service / "migrations"


async def migrate(database_url: str, names: list[str]) -> dict[str, list[str]]:
    db = Database(database_url, min_size=1, max_size=1)
    await db.connect()
    try:
        return {name: await apply_migrations(db.pool, name, migrations_of(name)) for name in names}
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan-migrate", description=__doc__)
    parser.add_argument("services", nargs="+", choices=SERVICES)
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    configure_logging("migrate", settings.log_level, settings.log_json)
    for name, applied in asyncio.run(migrate(settings.database_url, args.services)).items():
        log.info("migrations applied", schema=name, applied=applied)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
