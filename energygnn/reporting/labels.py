"""Display names and colours: one place, so that every chapter names and draws a model alike."""

MODEL_LABELS = {"basic": "Basic GCN", "entropic": "Entropic GCN", "entropic_authors": "Entropic GCN (authors' step)",
                "g2": "G2", "pairnorm": "PairNorm"}
MODEL_COLOURS = {"basic": "C0", "entropic": "C1", "entropic_authors": "C4", "g2": "C2", "pairnorm": "C3"}
PAPER2_LABELS = {"gcn": "GCN", "jem": "GCN-JEM", "jemo": "GCN-JEMO"}
# which entropy step a benchmark setting used (benchmarks/entropy_gradient.SETTINGS)
STEP_SETTING_LABELS = {"compiled": "compiled (default)", "pytorch": "pure PyTorch",
                       "pytorch_tuned_allocator": "pure PyTorch, tuned allocator"}
