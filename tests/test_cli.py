"""The command line as a user meets it: typer's CliRunner, exit codes, formats, no tracebacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsclust.cli import app
from newsclust.errors import ExitCode

runner = CliRunner()

STORY_A = (
    "Firefighters in Tilburg battled a blaze at a furniture warehouse on Havenweg for six "
    "hours on Saturday night. Nobody was hurt, the fire brigade said, but the building was "
    "destroyed and smoke drifted over the motorway, which police closed for two hours."
)
STORY_B = (
    "The Tilburg city council approved a budget of 41 million euros for new cycle lanes on "
    "Thursday. Alderman Joris Meijer said the first lanes would open on Ringbaan-Oost in the "
    "spring and that the work would be finished within three years."
)

STORY_C = (
    "A regional train derailed at low speed near Zwolle station on Tuesday morning after a "
    "points failure, the rail operator said. None of the forty passengers was injured, but "
    "services towards Groningen and Leeuwarden were suspended until the evening."
)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "fire.txt").write_text(
        f"Title: Warehouse fire in Tilburg\nDate: 2025-03-01\n\n{STORY_A}"
    )
    (folder / "budget.md").write_text(f"# Cycle lanes budget approved\n\n{STORY_B}")
    return folder


def invoke(*args: str, **env: str):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", **env}, catch_exceptions=False)


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("cluster", "dedup", "eval", "config"):
        assert command in result.output


@pytest.mark.parametrize("command", ["cluster", "dedup", "eval", "config"])
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_cluster_json_accounts_for_every_input(corpus):
    (corpus / "empty.txt").write_bytes(b"")
    result = invoke("cluster", str(corpus), "--format", "json")
    assert result.exit_code == ExitCode.SKIPPED_INPUTS
    report = json.loads(result.stdout)
    assert report["version"] == 1
    ids = [a["id"] for s in report["stories"] for a in s["articles"]]
    assert sorted(ids) == ["budget.md", "fire.txt"]
    assert [s["reason"] for s in report["skipped"]] == ["empty file"]
    assert report["stats"]["inputs"] == 3


def test_cluster_text_when_piped_and_exit_zero(corpus):
    result = invoke("cluster", str(corpus))
    assert result.exit_code == ExitCode.OK
    assert "Warehouse fire in Tilburg" in result.stdout
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("fmt", ["markdown", "jsonl", "text"])
def test_formats_and_atomic_output_file(corpus, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = invoke("cluster", str(corpus), "--format", fmt, "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text().strip()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_output_is_deterministic(corpus):
    first = invoke("cluster", str(corpus), "--format", "json").stdout
    second = invoke("cluster", str(corpus), "--format", "json").stdout
    assert first == second


def test_nothing_readable(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = invoke("cluster", str(tmp_path))
    assert result.exit_code == ExitCode.NOTHING_READABLE
    assert "No input could be read" in result.output
    assert "Traceback" not in result.output


def test_bad_setting_is_a_usage_error_without_traceback(corpus):
    result = invoke("cluster", str(corpus), "--threshold", "1.5")
    assert result.exit_code == ExitCode.USAGE
    assert "must be [0.0, 1.0]. Got 1.5" in result.output
    assert "Traceback" not in result.output


def test_bad_format_is_a_usage_error(corpus):
    result = invoke("cluster", str(corpus), "--format", "pdf")
    assert result.exit_code == ExitCode.USAGE


def test_config_shows_origins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "newsclust.toml").write_text("summary_sentences = 3\n")
    result = invoke("config", "--format", "json", NEWSCLUST_JOBS="2")
    data = json.loads(result.stdout)
    assert data["summary_sentences"] == {
        "value": 3,
        "from": f"config file {tmp_path / 'newsclust.toml'}",
    }
    assert data["jobs"] == {"value": 2, "from": "environment NEWSCLUST_JOBS"}
    assert data["seed"]["from"] == "default"


def test_dedup_json_groups_copies(tmp_path):
    (tmp_path / "a.txt").write_text(f"Title: One\n\n{STORY_A} {STORY_B}")
    (tmp_path / "b.txt").write_text(f"Title: Another headline\n\n{STORY_A} {STORY_B}\n\nShare this")
    (tmp_path / "c.txt").write_text(f"Title: Other\n\n{STORY_C}")
    result = invoke("dedup", str(tmp_path), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["version"] == 1
    assert [g["members"] for g in report["groups"]] == [["a.txt", "b.txt"]]
    assert report["stats"]["articles"] == 3


def test_eval_scores_a_labelled_file(tmp_path):
    lines = [
        {"id": "1", "text": STORY_A, "label": "fire", "date": "2025-03-01"},
        {"id": "2", "text": STORY_A.replace("six hours", "five hours"), "label": "fire"},
        {"id": "3", "text": STORY_B, "label": "budget"},
    ]
    data = tmp_path / "gold.jsonl"
    data.write_text("\n".join(json.dumps(line) for line in lines))
    result = invoke("eval", str(data), "--format", "json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["articles"] == 3 and scores["gold_clusters"] == 2
    assert scores["bcubed"]["f1"] == pytest.approx(1.0)


def test_readme_shows_the_real_config_output(tmp_path, monkeypatch):
    """The README's `newsclust config` block is what the command prints with no settings."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ newsclust config\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in [n for n in os.environ if n.startswith("NEWSCLUST_")]:
        monkeypatch.delenv(name)
    result = invoke("config")
    assert result.exit_code == 0
    assert [line.rstrip() for line in result.stdout.splitlines()] == block.splitlines()
