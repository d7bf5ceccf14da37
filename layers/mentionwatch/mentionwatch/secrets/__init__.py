"""Per-source secrets: Secrets Manager when deployed, a JSON file locally. Values never reach logs or errors."""
