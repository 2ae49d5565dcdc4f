"""The repository gates that `make test` runs (tools/lab gate NAME)."""
