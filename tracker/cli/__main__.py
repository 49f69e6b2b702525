"""`python -m tracker.cli` is `foiltrack`."""

from tracker.cli import main

main()
