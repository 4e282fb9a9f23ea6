"""`python -m cycle_sdk`: the `cycle` command line (see cycle_sdk.cli)."""

from cycle_sdk.cli import console

if __name__ == "__main__":
    console()
