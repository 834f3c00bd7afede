"""Operations: starting and stopping the processes of a deployment.

``stack`` (the action server, the Rasa server and the workers of the embedded profile;
also the test suite's servers), ``replicas`` (the production profile's replicas behind
HAProxy, under supervisord), ``haproxy`` (HAProxy's configuration), ``supervisor``
(supervisord's configuration and control), ``profiles`` (the production profile's
settings and endpoints).

May import ``bot.bootstrap``, ``bot.engine``, ``bot.domain``, ``bot.storage`` and
``bot.core``; never ``bot.console``, ``bot.commands`` or argparse. Its command lines
(``python -m bot run``) are in :mod:`bot.commands`.
"""
