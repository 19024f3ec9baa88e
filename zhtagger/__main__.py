from zhtagger.cli import main

raise SystemExit(main())
