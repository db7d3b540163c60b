from facet.cli import main

raise SystemExit(main())
