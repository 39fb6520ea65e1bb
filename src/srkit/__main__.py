from srkit.cli import main

raise SystemExit(main())
