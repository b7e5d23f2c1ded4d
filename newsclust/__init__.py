"""newsclust: deduplicate news articles and group reports of the same event into stories.

The library API is ``run(paths, settings) -> Report`` plus the stage classes; nothing here
prints. The command line lives in ``newsclust.cli``.
"""

from importlib.metadata import PackageNotFoundError, version

from .models import Article, DupGroup, Report, Skipped, Story, SummarySentence
from .settings import Settings

try:
    __version__ = version("newsclust")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Article",
    "DupGroup",
    "Report",
    "Settings",
    "Skipped",
    "Story",
    "SummarySentence",
    "__version__",
    "run",
]


def __getattr__(name: str):
    # The pipeline pulls in scikit-learn and datasketch; import it only when asked for.
    if name == "run":
        from .pipeline import run

        return run
    raise AttributeError(name)
