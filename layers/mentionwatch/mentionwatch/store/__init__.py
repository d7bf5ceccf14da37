"""Persistence: the single DynamoDB table, its key design (`keys.py`), item models and the adapter."""
