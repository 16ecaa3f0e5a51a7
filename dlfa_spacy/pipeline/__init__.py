"""The trainable and scoring pipeline components: `similarity_regressor` (STS) and `temperature_scaling`."""
