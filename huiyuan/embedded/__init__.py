"""The embedded default runtime: PostgreSQL, a Kafka-compatible broker and local providers."""
