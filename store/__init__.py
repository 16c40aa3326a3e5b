"""The read model: SQLAlchemy models, sessions, seeding, projection, audit and statistics."""
