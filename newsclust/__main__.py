"""``python -m newsclust`` works like the ``newsclust`` command."""

from .cli import main

if __name__ == "__main__":
    main()
