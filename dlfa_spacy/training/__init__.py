"""What `spacy train` reads through: XTREME's wordpiece segments, the corpus reader that yields them, and the UPOS augmenter."""
