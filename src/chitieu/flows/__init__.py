"""Prefect flows: orchestration only. Every step they run is a function of
`chitieu.pipeline`; flows add task boundaries, names, tags and logs."""
