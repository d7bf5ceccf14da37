"""HTTP edges: API Gateway HTTP API (payload 2.0) events in, JSON problem responses out."""
