"""Code and word lists behind scripts/demo_data/generate.py (one module and one JSON file per task); the data it writes is in assets/demo/."""
