"""Running the experiments: evaluate a pipeline per language, calibrate it, sweep the fusion layer, export an encoder."""
