"""Rasa's event stream folded into KPI facts: ``facts`` reads Rasa's tracker events (from
the SQL event broker's table) into conversation facts, exactly once; ``rabbitmq``
consumes the same events from RabbitMQ at scale.

Engine code (it speaks Rasa's event format): may import domain, storage and core.
"""
