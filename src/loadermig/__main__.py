"""``python -m loadermig``: the same command line as the ``loadermig`` script."""

from .cli import main

if __name__ == "__main__":
    main()
