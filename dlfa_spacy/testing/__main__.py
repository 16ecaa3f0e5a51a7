"""`python -m dlfa_spacy.testing COMMAND`: the developer commands (local-bert, local-xlmr)."""
from .cli import main

if __name__ == "__main__":
    main()
