"""Pure metrics, apart from running any pipeline: token tagging, classification, correlation, averages."""
from .averages import average_scores
from .classification import (
    CALIBRATION_KEYS,
    N_BINS,
    calibration_scores,
    brier_score,
    classification_scores,
    expected_calibration_error,
    gold_category,
    negative_log_likelihood,
    reliability_bins,
)
from .correlation import correlation_scores, pearson, spearman
from .tagging import (
    SEQEVAL_SEMANTICS,
    bio_tags,
    check_aligned,
    ner_doc_counts,
    ner_scores,
    ner_scores_from_tags,
    pos_accuracy,
    pos_scores,
    prf,
    seqeval_chunks,
    seqeval_doc_counts,
    seqeval_scores,
    seqeval_split,
    tag_entities,
    upos_sequences,
)

__all__ = [
    "CALIBRATION_KEYS", "N_BINS", "average_scores", "calibration_scores", "bio_tags", "brier_score", "check_aligned", "classification_scores",
    "correlation_scores", "pearson", "spearman",
    "expected_calibration_error", "gold_category", "ner_doc_counts", "ner_scores", "ner_scores_from_tags",
    "negative_log_likelihood", "pos_accuracy", "pos_scores", "prf", "reliability_bins",
    "SEQEVAL_SEMANTICS", "seqeval_chunks", "seqeval_doc_counts", "seqeval_scores", "seqeval_split", "tag_entities",
    "upos_sequences",
]
