"""The local stack: the template's resources on an embedded moto server, the HTTP API on loopback and the SQS
event source mapping, all in one process. Development only: not shipped in the Lambda layer."""
