from pjbuild.cli import main

raise SystemExit(main())
