"""``python -m bot``: the operators' command line (see ``bot.commands.main``)."""

from bot.commands.main import main

raise SystemExit(main())
