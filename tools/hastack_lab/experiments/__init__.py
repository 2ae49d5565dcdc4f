"""The experiments: each measures the deployed lab and writes report.md and results.json."""
