"""`aduan`: the operator's command line. Every make target is one of these subcommands.

  aduan infra up|down|status   Kafka and PostgreSQL (deploy/local scripts, or the env's servers)
  aduan topics                 create the declared topics
  aduan up | down | status     the whole local stack in the background
  aduan demo                   the whole pipeline on the sample complaints, with a summary
  aduan test [pytest args]     infrastructure up, then the test suite
  aduan bench [burst] --n N    throughput and latency beside a raw relay and a batched reference
  aduan bench steady --rate R --seconds S [--warmup W]   open-loop latency at R complaints/s
  aduan bench intake | scale-out   intake's HTTP edge; routing and forwarder with 1 and 2 processes
  aduan replay-dlq             send parked forwards through the forwarder again
  aduan dlq list|replay        the parked forwards; replay one (--id) or all (--all)
  aduan bench forwarder        forwards/s against the simulator beside a bare httpx client
  aduan eval-routing           routing accuracy on the labelled LAPOR! data in ../shared
  aduan bench notifier         the notifier's due scan and delivery rate against bare SQL / bare HTTP
  aduan sla due STAGE START    when an SLA clock started at START is due (the notifier's own code)
  aduan asyncapi [--check]     write docs/asyncapi/*.json from the code
  aduan k8s                    write the Strimzi topics and users of deploy/k8s from the declarations
  aduan agency listen|answer   an agency's client: its routed complaints, its answers (docs/agencies.md)
  aduan route                  route JSON lines from stdin (the service's decision, one JSON line each)
  aduan route-eval FILE        accuracy, triage rate and confusion table on a labelled CSV / JSON lines file
  aduan gammu-receive [ids]    Gammu SMSD RunOnReceive: the received SMS to complaints.inbound
  aduan schema [--check]       the producers' JSON Schema of complaints.inbound, from the models

Every subcommand has --help. Ports: ADUAN_KAFKA_PORT, ADUAN_PG_PORT, ADUAN_INTAKE_PORT, ADUAN_ROUTING_PORT,
ADUAN_FORWARDER_PORT, ADUAN_NOTIFIER_PORT, ADUAN_LAPOR_SIM_PORT.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from aduan import stack
from shared.kafka_auth import KafkaAuth


def _infra(args: argparse.Namespace) -> int:
    if args.action == "up":
        infra = stack.infra_up()
        print(f"kafka: {infra.kafka}\ndatabase: {infra.database_url}")
    elif args.action == "down":
        stack.infra_down()
    else:
        print(stack.infra_status())
    return 0


def _topics(args: argparse.Namespace) -> int:
    infra = stack.infra_up()
    created = stack.create_topics(infra.kafka, args.prefix)
    print(f"{len(created)} topics created" + (f": {', '.join(created)}" if created else " (all existed)"))
    return 0


def _up(_: argparse.Namespace) -> int:
    if running := stack.recorded_alive():
        print(f"aduan is already up in {stack.ROOT} ({', '.join(running)}): `make down` first", file=sys.stderr)
        return 1
    ports = stack.configured_ports()
    stack.check_ports(ports)  # before anything starts
    infra = stack.infra_up()
    stack.create_topics(infra.kafka)
    local = stack.Stack(infra, ports=ports)
    local.start()
    print("aduan is up:")
    print(f"  intake HTTP        {local.url('intake')}  (POST /v1/complaints, /v1/channels/*, /open311/v2)")
    for name in ("routing", "forwarder", "notifier"):
        print(f"  {name:<18} {local.url(name)}  (/healthz /readyz /metrics)")
    print(f"  LAPOR! simulator   {local.url('lapor-sim')}  (/_sim/stats)")
    print(f"  Kafka              {infra.kafka}\n  PostgreSQL         {infra.database_url}")
    print(f"  logs               {stack.VAR / 'log'}\nStop everything with: make down")
    return 0


def _down(_: argparse.Namespace) -> int:
    stopped = stack.stop_recorded()
    print(f"stopped: {', '.join(stopped) or 'no services were running'}")
    stack.infra_down()
    return 0


def _status(_: argparse.Namespace) -> int:
    print(stack.infra_status())
    for name, port in stack.configured_ports().items():
        pid = stack.VAR / "run" / f"{name}-{port}.pid"
        print(f"{name}: {'running (pid ' + pid.read_text() + ')' if pid.exists() else 'stopped'} on port {port}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from aduan.demo import run_demo

    return run_demo(args.samples, timeout=args.timeout)


def _test(args: argparse.Namespace) -> int:
    infra = stack.infra_up()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka, "DATABASE_URL": infra.database_url}
    try:
        pytest_args = list(args.pytest_args)
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=stack.ROOT, env=env)
    finally:
        if not args.keep_infra:
            stack.infra_down(infra)


def _bench(args: argparse.Namespace) -> int:
    if args.target == "forwarder":
        from aduan.bench_forwarder import run_bench_forwarder

        return run_bench_forwarder(args.n if args.n is not None else 3000, concurrency=args.concurrency)

    if args.target == "notifier":
        from aduan.bench_notifier import run_bench_notifier

        return run_bench_notifier()
    if args.target == "intake":
        from aduan.bench_intake import run_bench_intake

        return run_bench_intake(seconds=args.seconds or 10.0, rate=args.rate or 300.0)
    if args.target == "scale-out":
        from aduan.bench import run_scale_out

        return run_scale_out(args.n if args.n is not None else 3000, timeout=args.timeout)
    from aduan.bench import run_bench

    if args.target == "steady":
        if not args.rate or not args.seconds or args.rate <= 0 or args.seconds <= 0:
            print("aduan bench steady: give --rate R and --seconds S, both positive", file=sys.stderr)
            return 2
        if args.warmup < 0:
            print("aduan bench steady: --warmup must be ≥ 0", file=sys.stderr)
            return 2
        return run_bench("steady", rate=args.rate, seconds=args.seconds, warmup=args.warmup, timeout=args.timeout)
    return run_bench("burst", args.n if args.n is not None else 5000, timeout=args.timeout)


def _operator_auth() -> KafkaAuth:
    """The DLQ tools' Kafka credentials: ADUAN_KAFKA_SECURITY_PROTOCOL / _SASL_USERNAME / _SASL_PASSWORD /
    _SSL_CAFILE, as for a service (on Strimzi: the KafkaUser aduan-ops); PLAINTEXT locally."""
    from shared.settings import ServiceSettings

    return ServiceSettings().kafka_auth


def _replay(args: argparse.Namespace) -> int:
    from aduan.replay import replay_dlq

    infra = stack.infra_up()
    count = replay_dlq(infra.kafka, prefix=args.prefix, limit=args.limit, auth=_operator_auth())
    print(f"{count} parked forwards sent to complaints.routed again")
    return 0


def _dlq(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import uuid

    from aduan.replay import dlq_list, dlq_replay, format_list
    from shared.topics import Topics

    infra = stack.infra_up()
    if args.action == "list":
        items = asyncio.run(dlq_list(infra.database_url))
        if args.json:
            print(json.dumps([{k: str(v) if v is not None else None for k, v in vars(i).items()} for i in items]))
        else:
            print(format_list(items))
        return 0
    if not args.all and not args.id:
        print("aduan dlq replay: give --id COMPLAINT_ID (repeatable) or --all", file=sys.stderr)
        return 2
    try:
        ids = None if args.all else [uuid.UUID(i) for i in args.id]
    except ValueError:
        print("aduan dlq replay: --id takes a complaint id (a UUID)", file=sys.stderr)
        return 2
    sent, skipped = asyncio.run(
        dlq_replay(infra.kafka, infra.database_url, Topics(args.prefix), complaint_ids=ids, auth=_operator_auth())
    )
    print(f"{len(sent)} parked forwards sent to complaints.routed again")
    for line in skipped:
        print(f"  not replayed: {line}")
    return 0


def _eval_routing(args: argparse.Namespace) -> int:
    from aduan.evaluate_routing import main as evaluate

    data = args.data
    if data is not None and data.is_dir():  # a data folder: its eval_dev.csv (or lapor-2017/eval_dev.csv)
        data = next(
            (c for c in (data / "eval_dev.csv", data / "lapor-2017" / "eval_dev.csv") if c.is_file()),
            data / "eval_dev.csv",
        )
    argv = ["--out", str(args.out)] + (["--data", str(data)] if data else [])
    return evaluate(argv)


def _asyncapi(args: argparse.Namespace) -> int:
    from aduan.asyncapi import main as write_asyncapi

    return write_asyncapi(["--check"] if args.check else [])


def _k8s(_: argparse.Namespace) -> int:
    from aduan.k8s import main as write_k8s

    return write_k8s()


def _agency(args: argparse.Namespace) -> int:
    from aduan.agency import main as agency_client

    return agency_client(args.rest)


def _route(args: argparse.Namespace) -> int:
    from aduan.route import main_route

    return main_route(args.rest)


def _route_eval(args: argparse.Namespace) -> int:
    from aduan.route import main_eval

    return main_eval(args.rest)


def _gammu_receive(args: argparse.Namespace) -> int:
    from services.intake.gammu import receive

    return receive(os.environ, args.ids)


def _schema(args: argparse.Namespace) -> int:
    from aduan.schema import write_or_check

    return write_or_check(check=args.check)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["agency"]:  # its own parser, with its own --help
        from aduan.agency import main as agency_client

        return agency_client(argv[1:])
    parser = argparse.ArgumentParser(
        prog="aduan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("infra", help="Kafka and PostgreSQL")
    p.add_argument("action", choices=("up", "down", "status"))
    p.set_defaults(func=_infra)

    p = sub.add_parser("topics", help="create the declared topics")
    p.add_argument("--prefix", default=os.environ.get("ADUAN_TOPIC_PREFIX", ""))
    p.set_defaults(func=_topics)

    sub.add_parser("up", help="start everything in the background").set_defaults(func=_up)
    sub.add_parser("down", help="stop everything").set_defaults(func=_down)
    sub.add_parser("status", help="what is running").set_defaults(func=_status)

    p = sub.add_parser("demo", help="the whole pipeline on the sample complaints")
    p.add_argument("--samples", default=str(stack.ROOT / "samples" / "complaints.jsonl"))
    p.add_argument("--timeout", type=float, default=180.0)
    p.set_defaults(func=_demo)

    p = sub.add_parser(
        "test",
        help="infrastructure up, then pytest",
        description="Infrastructure up, then pytest; every argument but --keep-infra goes to pytest.",
    )
    p.add_argument("--keep-infra", action="store_true", help="leave Kafka and PostgreSQL running")
    p.add_argument("pytest_args", nargs="*", help="passed to pytest as they are (e.g. -q tests/unit -k intake)")
    p.set_defaults(func=_test)

    p = sub.add_parser(
        "bench",
        help="throughput and latency: burst | steady | intake | scale-out | forwarder | notifier",
        description="burst (default; `pipeline` is the same): N complaints at once through the whole pipeline, "
        "beside the raw relay and the batched reference; steady: open-loop at --rate R/s for --seconds S; "
        "intake: intake's HTTP endpoint beside a bare publishing endpoint; scale-out: routing and forwarder "
        "with 1 then 2 processes; forwarder, notifier: those services alone (docs/BENCHMARKS.md).",
    )
    p.add_argument(
        "target",
        nargs="?",
        choices=("burst", "pipeline", "steady", "intake", "scale-out", "forwarder", "notifier"),
        default="burst",
        help="what to measure (default burst)",
    )
    p.add_argument("--n", type=int, default=None, help="complaints per run (burst 5000, scale-out and forwarder 3000)")
    p.add_argument("--rate", type=float, default=None, help="steady: complaints/s sent; intake: open-loop rate (300)")
    p.add_argument("--seconds", type=float, default=None, help="steady: how long to send; intake: each phase (10)")
    p.add_argument(
        "--warmup", type=float, default=10.0, help="steady: seconds sent at the rate before the measured ones (10)"
    )
    p.add_argument("--timeout", type=float, default=600.0, help="seconds each run may take")
    p.add_argument("--concurrency", type=int, default=32, help="bench forwarder: calls in flight")
    p.set_defaults(func=_bench)

    p = sub.add_parser("replay-dlq", help="send parked forwards through again")
    p.add_argument("--prefix", default=os.environ.get("ADUAN_TOPIC_PREFIX", ""))
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(func=_replay)

    p = sub.add_parser("dlq", help="the parked forwards: list them, replay one or all")
    p.add_argument("action", choices=("list", "replay"))
    p.add_argument("--id", action="append", default=[], help="complaint id to replay (repeatable)")
    p.add_argument("--all", action="store_true", help="replay every parked forward")
    p.add_argument("--json", action="store_true", help="list as JSON")
    p.add_argument("--prefix", default=os.environ.get("ADUAN_TOPIC_PREFIX", ""))
    p.set_defaults(func=_dlq)

    p = sub.add_parser("eval-routing", help="routing accuracy on ../shared/data")
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="labelled CSV, or a folder holding eval_dev.csv "
        "(default: $ADUAN_EVAL_DATA or ../shared/data/lapor-2017/eval_dev.csv)",
    )
    p.add_argument("--out", type=Path, default=Path("var/eval/routing.json"), help="JSON result")
    p.set_defaults(func=_eval_routing)

    p = sub.add_parser("asyncapi", help="write docs/asyncapi/*.json from the code")
    p.add_argument("--check", action="store_true", help="only report stale documents (exit 1)")
    p.set_defaults(func=_asyncapi)

    sub.add_parser("k8s", help="write deploy/k8s/base/kafka/*.yaml from the declarations").set_defaults(func=_k8s)

    p = sub.add_parser("agency", help="an agency's client: listen | answer (aduan agency --help)", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_agency)

    p = sub.add_parser("route", help="route JSON lines from stdin, one JSON decision per line")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_route)

    p = sub.add_parser("route-eval", help="routing accuracy on a labelled CSV or JSON lines file")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_route_eval)

    p = sub.add_parser("gammu-receive", help="Gammu SMSD RunOnReceive: publish the received SMS")
    p.add_argument("ids", nargs="*", help="the message ids SMSD appends")
    p.set_defaults(func=_gammu_receive)

    p = sub.add_parser("schema", help="write docs/schemas/complaint-received.schema.json from the models")
    p.add_argument("--check", action="store_true", help="exit 1 when the committed schema is not current")
    p.set_defaults(func=_schema)

    from aduan import sla

    sla.add_parser(sub)

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["test"] and not {"-h", "--help"} & set(argv[1:2]):
        # pytest's own options (-q, -k EXPR, -x ...) pass through untouched, in their order
        rest = [a for a in argv[1:] if a != "--keep-infra"]
        args = argparse.Namespace(
            func=_test, keep_infra=len(rest) < len(argv) - 1, pytest_args=rest[1:] if rest[:1] == ["--"] else rest
        )
    else:
        args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except stack.InfraError as e:  # an expected condition: one line (the script's, or this), no traceback
        if not e.explained:
            print(f"aduan: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
