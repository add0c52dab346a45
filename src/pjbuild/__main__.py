"""`python -m pjbuild`: the command line."""

from pjbuild.cli import main

raise SystemExit(main())
