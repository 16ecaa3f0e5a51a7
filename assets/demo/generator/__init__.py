"""Code and word lists behind assets/demo/generate.py (one module and one JSON file per task)."""
