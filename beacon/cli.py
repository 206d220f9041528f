"""The `rum` command: run everything in one process, or one role per process."""

import argparse
import asyncio
import logging
import secrets
import signal
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import uvicorn
from aiokafka.errors import KafkaConnectionError
from clickhouse_connect.driver.exceptions import ClickHouseError

from beacon.app import create_app
from beacon.auth import dashboard_token
from beacon.collect import BeaconHotPath
from beacon.geo import CountryLookup, GeoDatabaseUnreadable
from beacon.http_lane import lane_protocol
from beacon.logs import configure_logging
from beacon.pipeline_status import StatusPortUnavailable, StatusServer, pipeline_status_app
from beacon.runtime import (
    MEMORY,
    check_transport,
    kafka_connection,
    kafka_publisher,
    pipeline_service,
    publisher_and_pipeline,
)
from beacon.settings import Settings
from beacon.sites import InvalidSiteFile, SiteFile
from pipeline.gc_thresholds import use_thresholds_for
from pipeline.migrate import apply_retention, migrate_down, migrate_up
from pipeline.replay import TopicMissing, replay, summarise
from pipeline.sample_data import Shape, generate
from pipeline.store import StoreInUse, check_store, open_store
from pipeline.topics import ensure_topics

log = logging.getLogger("rum")


def server_options(app: BeaconHotPath) -> dict[str, Any]:
    """How uvicorn serves the collector's app (here, and in the tests' servers)."""
    return {
        "http": lane_protocol(app.collect, app.path),  # beacons skip ASGI: http_lane.py
        "log_level": "warning",
        "timeout_graceful_shutdown": 30,
        "server_header": False,
        "access_log": False,  # metrics count requests; a log line each costs too much
        "proxy_headers": False,  # client addresses are resolved by beacon/clients.py
    }


def serve(settings: Settings, app: BeaconHotPath) -> None:
    uvicorn.run(app, host=settings.host, port=settings.port, **server_options(app))


def geo_lookup(settings: Settings) -> CountryLookup | None:
    return CountryLookup(settings.geoip_db) if settings.geoip_db else None


def setup(settings: Settings) -> None:
    """Schema migrations, and the Kafka topics when the transport is Kafka."""
    store = open_store(settings.store)
    applied = migrate_up(store)
    log.info("migrations applied: %s", applied or "none (up to date)")
    apply_retention(store, settings.raw_ttl_days, settings.rollup_ttl_days)
    kafka = kafka_connection(settings)
    if kafka:
        topics = {settings.topic: settings.partitions, settings.dead_letter_topic: 1}
        created = asyncio.run(ensure_topics(kafka, topics))
        log.info("topics created: %s", created or "none (all exist)")


def cmd_run(settings: Settings) -> None:
    setup(settings)
    settings = replace(settings, dashboard_token=dashboard_token(settings, keep_beside_store=True))
    store = open_store(settings.store)
    sites = SiteFile(settings.sites_file, settings.base_url)
    publisher, service = publisher_and_pipeline(settings, store)
    app = create_app(
        settings,
        publisher=publisher,
        sites=sites,
        store=store,
        services=[service],
        demo=True,
        geo=geo_lookup(settings),
    )
    where = "in-process queue" if settings.transport == MEMORY else settings.transport
    print(f"rum: collector + pipeline on {where}, store {settings.store}", flush=True)
    print(f"rum: demo page      {settings.base_url}/demo", flush=True)
    print(f"rum: dashboard      {settings.base_url}/dashboard", flush=True)
    print(f"rum: dashboard token {settings.dashboard_token}", flush=True)
    serve(settings, app)


def cmd_collector(settings: Settings) -> None:
    # The embedded engine belongs to the pipeline process; only a server is shared,
    # opened at the dashboard's first question: beacons do not wait for the store.
    store = (lambda: open_store(settings.store)) if settings.store.startswith("http") else None
    sites = SiteFile(settings.sites_file, settings.base_url)
    app = create_app(
        settings,
        publisher=kafka_publisher(settings),
        sites=sites,
        store=store,
        geo=geo_lookup(settings),
    )
    serve(settings, app)


async def _run_pipeline(settings: Settings) -> None:
    # Opened at the first write, so a store that is down at start is waited for.
    service = pipeline_service(settings, lambda: open_store(settings.store))
    status = StatusServer(
        pipeline_status_app(service, settings.metrics_token), settings.host, settings.pipeline_port
    )
    await status.start()
    try:
        await service.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.pipeline.stop)
        await service.wait()  # returns once a signal stopped the pipeline and it flushed
        await service.stop()
    finally:
        await status.stop()


def cmd_pipeline(settings: Settings) -> None:
    asyncio.run(_run_pipeline(settings))


def cmd_migrate(settings: Settings, down: bool) -> None:
    if down:
        print(f"reverted: {migrate_down(open_store(settings.store))}")
    else:
        setup(settings)


def cmd_dead_letters(settings: Settings, replaying: bool) -> None:
    kafka = kafka_connection(settings)
    assert kafka
    dead_letters, topic = settings.dead_letter_topic, settings.topic
    if replaying:
        group = f"{settings.consumer_group}.replay"
        count = asyncio.run(replay(kafka, dead_letters, topic, group))
        print(f"replayed {count} dead letters from {dead_letters} to {topic}")
        return
    summary = asyncio.run(summarise(kafka, dead_letters))
    print(f"{summary.count} dead letters in {dead_letters}")
    for reason, count in summary.by_reason.items():
        print(f"  {count:>8}  {reason}")
    if summary.newest:
        print("newest:")
    for letter in summary.newest:
        print(f"  offset {letter.offset}  from {letter.source}  {letter.size} B  {letter.reason}")


def cmd_sample_data(settings: Settings, site: str, views: int, hours: int) -> None:
    setup(settings)
    shape = Shape(site, views, datetime.now(UTC), hours, seed=secrets.randbelow(2**31))
    generate(open_store(settings.store), shape)
    print(f"wrote {views} generated page views of site {site!r} over the last {hours} h")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="rum",
        description="Real-user monitoring beacons: collector, pipeline and ClickHouse store. "
        "Settings come from RUM_* environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="collector + pipeline in one process, with a demo page")
    commands.add_parser("collector", help="the collector alone, publishing to Kafka")
    commands.add_parser("pipeline", help="the pipeline alone: Kafka → ClickHouse")
    migrate = commands.add_parser("migrate", help="apply schema migrations and create topics")
    migrate.add_argument("--down", action="store_true", help="revert the newest migration")
    dead_letters = commands.add_parser(
        "dead-letters", help="count the dead-letter topic's messages by reason, or replay them"
    )
    dead_letters.add_argument(
        "--replay",
        action="store_true",
        help="send the dead letters not replayed before back to the beacon topic, once",
    )
    sample = commands.add_parser(
        "sample-data", help="write generated page views, to try the dashboards without traffic"
    )
    sample.add_argument("--site", default="demo")
    sample.add_argument("--views", type=int, default=50_000)
    sample.add_argument("--hours", type=int, default=7 * 24)
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
        check_transport(settings.transport)
        check_store(settings.store)
        kafka_connection(settings)  # its TLS and SASL settings are checked here, at start
    except ValueError as error:
        parser.error(str(error))
    configure_logging(settings.log_format)
    if args.command in ("collector", "pipeline", "dead-letters") and settings.transport == MEMORY:
        parser.error(
            f"`rum {args.command}` needs RUM_TRANSPORT=kafka://...; "
            "`rum run` is the one-process mode"
        )
    if args.command in ("run", "collector", "pipeline"):
        use_thresholds_for(args.command)  # long-running roles; see pipeline/gc_thresholds.py
    try:
        run_command(args, settings)
    except (
        StoreInUse,
        StatusPortUnavailable,
        InvalidSiteFile,
        GeoDatabaseUnreadable,
        TopicMissing,
    ) as error:
        parser.exit(1, f"rum: {error}\n")
    # What a one-shot command (migrate, dead-letters, sample-data) or a start cannot do
    # without the store or Kafka: one line, not a traceback. Long-running roles wait
    # for them instead (the pipeline, the collector's publisher and dashboard).
    except ClickHouseError as error:
        parser.exit(1, f"rum: the store failed: {error}\n")
    except KafkaConnectionError as error:
        parser.exit(1, f"rum: Kafka cannot be reached: {error}\n")


def run_command(args: argparse.Namespace, settings: Settings) -> None:
    match args.command:
        case "run":
            cmd_run(settings)
        case "collector":
            cmd_collector(settings)
        case "pipeline":
            cmd_pipeline(settings)
        case "migrate":
            cmd_migrate(settings, args.down)
        case "dead-letters":
            cmd_dead_letters(settings, args.replay)
        case "sample-data":
            cmd_sample_data(settings, args.site, args.views, args.hours)
