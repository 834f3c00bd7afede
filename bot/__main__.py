"""``python -m bot``: the operators' command line (see ``bot.commands.root``)."""

from bot.commands.root import main

raise SystemExit(main())
