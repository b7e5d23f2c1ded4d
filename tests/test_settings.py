import pytest

from newsclust.errors import ConfigError
from newsclust.settings import Settings, resolve


def test_layers_later_wins(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("cluster_threshold = 0.3\njobs = 2\nseed = 7\n")
    env = {"NEWSCLUST_JOBS": "1", "NEWSCLUST_SEED": "9"}
    settings, origins = resolve(config_file=config, env=env, flags={"seed": 11})
    assert settings.cluster_threshold == 0.3
    assert settings.jobs == 1
    assert settings.seed == 11
    assert origins["cluster_threshold"].startswith("config file")
    assert origins["jobs"] == "environment NEWSCLUST_JOBS"
    assert origins["seed"] == "command line"
    assert origins["summary_sentences"] == "default"


def test_defaults_without_any_layer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    settings, origins = resolve(env={})
    assert settings == Settings()
    assert set(origins.values()) == {"default"}


def test_newsclust_table_in_config_is_accepted(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[newsclust]\nsummary_sentences = 3\n")
    assert resolve(config_file=config, env={})[0].summary_sentences == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cluster_threshold = 1.5", "must be [0.0, 1.0]. Got 1.5"),
        ("jobs = 'two'", "must be an integer"),
        ("colour = 'red'", "Unknown setting(s)"),
        ("jobs = ", "Cannot read config file"),
    ],
)
def test_bad_config_names_the_problem(tmp_path, text, message):
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(
        ConfigError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]")
        .replace(".", r"\."),
    ):
        resolve(config_file=config, env={})


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        resolve(config_file=tmp_path / "nope.toml", env={})


def test_setting_defaults_match_the_estimators():
    # Settings carries the defaults the CLI shows; the estimators carry their own. They must agree,
    # or `newsclust config` would show one value while the library uses another.
    from newsclust.cluster import StoryClusterer
    from newsclust.dedup import NearDuplicateFinder

    assert Settings().cluster_threshold == StoryClusterer().threshold
    assert Settings().dedup_threshold == NearDuplicateFinder().threshold
