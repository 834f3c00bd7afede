"""The agent console: a web app for agents, team leads and managers (see ``app``)."""
