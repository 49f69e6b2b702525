"""The glue between the search library (`search`) and the database: what is indexed, who finds what.

`search` knows the schema, the index and queries and imports nothing from `tracker`; this package feeds
it records read from the models, resolves people's filters and runs the index writer's tasks.
"""
