"""The `aduan` command line: every subcommand answers --help and passes its options on; an expected
failure of the local stack is one line and exit 1, never a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aduan import cli, stack

SUBCOMMANDS = ("infra", "topics", "up", "down", "status", "demo", "test", "bench", "replay-dlq", "eval-routing")


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: aduan {command}")


def test_help_lists_the_options_of_each_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    expected = {
        "bench": ("--n", "--rate", "--seconds", "--timeout"),
        "eval-routing": ("--data", "--out"),
        "demo": ("--samples", "--timeout"),
        "replay-dlq": ("--prefix", "--limit"),
        "test": ("--keep-infra",),
        "topics": ("--prefix",),
    }
    for command, options in expected.items():
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        assert all(option in out for option in options), (command, out)


def _tiny_csv(path: Path) -> Path:
    rows = [
        {
            "judul": "Jalan rusak",
            "isi": "Jalan provinsi di Kecamatan Natar berlubang besar dan membahayakan pengendara.",
            "urusan": "pekerjaan_umum",
            "level": "provinsi",
            "label_source": "content",
        },
        {
            "judul": "Sampah menumpuk",
            "isi": "Sampah di pasar tidak diangkut sudah seminggu, bau menyengat.",
            "urusan": "lingkungan_hidup",
            "level": "kabkota",
            "label_source": "name",
        },
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("as_folder", [False, True])
def test_eval_routing_takes_data_and_out(tmp_path: Path, as_folder: bool, capsys: pytest.CaptureFixture[str]) -> None:
    data = _tiny_csv(tmp_path / "eval_dev.csv")
    out = tmp_path / "result" / "routing.json"
    assert cli.main(["eval-routing", "--data", str(tmp_path if as_folder else data), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["rows"] == 2
    assert result["data"] == str(data)
    assert set(result["by_label_source"]) == {"content", "name"}
    assert f"written {out}" in capsys.readouterr().out


def test_eval_routing_with_missing_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "routing.json"
    assert cli.main(["eval-routing", "--data", str(tmp_path / "nope.csv"), "--out", str(out)]) == 0
    assert "evaluation data not found" in capsys.readouterr().out
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["bench", "--n", "17", "--timeout", "30"], {"mode": "burst", "n": 17, "timeout": 30.0}),
        (["bench", "burst", "--n", "17"], {"mode": "burst", "n": 17, "timeout": 600.0}),
        (["bench", "pipeline", "--n", "17"], {"mode": "burst", "n": 17, "timeout": 600.0}),
        (
            ["bench", "steady", "--rate", "20", "--seconds", "3"],
            {"mode": "steady", "rate": 20.0, "seconds": 3.0, "warmup": 10.0, "timeout": 600.0},
        ),
        (
            ["bench", "steady", "--rate", "20", "--seconds", "3", "--warmup", "0"],
            {"mode": "steady", "rate": 20.0, "seconds": 3.0, "warmup": 0.0, "timeout": 600.0},
        ),
    ],
)
def test_bench_modes_pass_their_arguments(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: dict[str, object]
) -> None:
    seen: dict[str, object] = {}

    def run_bench(mode: str, n: int | None = None, **kwargs: object) -> int:
        seen.update(mode=mode, **({"n": n} if n is not None else {}), **kwargs)
        return 0

    monkeypatch.setattr("aduan.bench.run_bench", run_bench)
    assert cli.main(argv) == 0
    assert seen == expected


def test_bench_steady_without_a_rate_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", "steady", "--seconds", "3"]) == 2
    assert "--rate" in capsys.readouterr().err
    assert cli.main(["bench", "steady", "--rate", "20", "--seconds", "3", "--warmup", "-1"]) == 2
    assert "--warmup" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "pytest_args", "keep"),
    [
        (["test", "-q", "-k", "intake", "tests/unit"], ["-q", "-k", "intake", "tests/unit"], False),
        (["test", "--", "-q"], ["-q"], False),
        (["test", "--keep-infra", "-x", "tests/e2e"], ["-x", "tests/e2e"], True),
    ],
)
def test_test_passes_pytest_options_in_order(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], pytest_args: list[str], keep: bool
) -> None:
    calls: list[list[str]] = []
    downs: list[stack.Infra] = []
    infra = stack.Infra("127.0.0.1:1", "postgresql://x@127.0.0.1:1/x")
    monkeypatch.setattr(stack, "infra_up", lambda: infra)
    monkeypatch.setattr(stack, "infra_down", lambda i=None: downs.append(i))
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, **kw: calls.append(cmd) or 5)
    assert cli.main(argv) == 5
    assert calls[0][3:] == pytest_args
    assert downs == ([] if keep else [infra])


def test_an_explained_infra_failure_is_exit_1_and_nothing_more(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def in_the_way() -> stack.Infra:
        raise stack.InfraError("deploy/local/kafka.sh up: in the way", explained=True)

    monkeypatch.setattr(stack, "infra_up", in_the_way)
    assert cli.main(["infra", "up"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_an_unexplained_infra_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADUAN_INTAKE_PORT", "eighty")
    monkeypatch.setattr(stack, "infra_up", lambda: pytest.fail("started infrastructure despite a bad port"))
    assert cli.main(["up"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ADUAN_INTAKE_PORT='eighty' is not a port number" in err


def test_ports_move_with_their_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADUAN_ROUTING_PORT", "18081")
    monkeypatch.setenv("ADUAN_LAPOR_SIM_PORT", "18090")
    ports = stack.configured_ports()
    assert ports["routing"] == 18081 and ports["lapor-sim"] == 18090
    assert ports["intake"] == stack.DEFAULT_PORTS["intake"]


def test_free_ports_are_distinct_and_bindable() -> None:
    import socket

    ports = stack.free_ports()
    assert set(ports) == set(stack.DEFAULT_PORTS) and len(set(ports.values())) == len(ports)
    for port in ports.values():
        with socket.socket() as s:
            # as the servers bind (uvicorn, Kafka, PostgreSQL): a client's outgoing connection that took
            # the same ephemeral port meanwhile does not stop a listener, only another listener does
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


def test_the_dlq_replay_tools_take_the_operators_kafka_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from types import SimpleNamespace

    from shared.kafka_auth import KafkaAuth

    monkeypatch.setenv("ADUAN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("ADUAN_KAFKA_SASL_USERNAME", "aduan-ops")
    monkeypatch.setenv("ADUAN_KAFKA_SASL_PASSWORD", "s3cret")
    monkeypatch.setattr(cli.stack, "infra_up", lambda: SimpleNamespace(kafka="broker:9093", database_url="pg://x"))
    seen: list[KafkaAuth] = []

    def replay_dlq(kafka: str, *, prefix: str, limit: int | None, auth: KafkaAuth) -> int:
        seen.append(auth)
        return 2

    async def dlq_replay(*_: object, complaint_ids: object, auth: KafkaAuth) -> tuple[list[str], list[str]]:
        seen.append(auth)
        return ["a"], []

    monkeypatch.setattr("aduan.replay.replay_dlq", replay_dlq)
    monkeypatch.setattr("aduan.replay.dlq_replay", dlq_replay)
    assert cli.main(["replay-dlq"]) == 0
    assert cli.main(["dlq", "replay", "--all"]) == 0
    expected = KafkaAuth("SASL_SSL", "SCRAM-SHA-512", "aduan-ops", "s3cret", "")
    assert seen == [expected, expected]
    assert "2 parked forwards" in capsys.readouterr().out
