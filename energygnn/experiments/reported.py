"""Numbers the papers report, typed in from them (restored in the book's "Formulas and settings" page) and labelled as
theirs wherever the book shows them. Nothing here is a result of this package."""

# Paper 1, Table 1: best validation accuracy, one run (seed 0), by dataset, model and depth.
#: Where paper 1 says the entropic GCN is "approximately double" the basic GCN at depth 64 (Section 5).
PAPER1_DOUBLE_DATASETS = ("Cora",)

PAPER1_TABLE1 = {
    ("Cora", "basic"): {4: 0.82, 8: 0.79, 16: 0.64, 32: 0.42, 64: 0.18},
    ("Cora", "entropic"): {4: 0.81, 8: 0.79, 16: 0.71, 32: 0.41, 64: 0.35},
    ("Cora", "g2"): {4: 0.54, 8: 0.55, 16: 0.55, 32: 0.56, 64: 0.56},
    ("Cora", "pairnorm"): {4: 0.77, 8: 0.76, 16: 0.73, 32: 0.72, 64: 0.72},
    ("CiteSeer", "basic"): {4: 0.69, 8: 0.64, 16: 0.56, 32: 0.37, 64: 0.29},
    ("CiteSeer", "entropic"): {4: 0.68, 8: 0.65, 16: 0.61, 32: 0.46, 64: 0.42},
    ("CiteSeer", "g2"): {4: 0.50, 8: 0.50, 16: 0.54, 32: 0.54, 64: 0.53},
    ("CiteSeer", "pairnorm"): {4: 0.63, 8: 0.56, 16: 0.50, 32: 0.51, 64: 0.50},
}


# Paper 2, its table: test accuracy (%) on the public split, mean of 5 runs. The GCN row equals
# Kipf & Welling's (2017) published numbers.
PAPER2_ACCURACY = {
    "gcn": {"Cora": 81.5, "PubMed": 79.0, "CiteSeer": 70.3},
    "jem": {"Cora": 82.44, "PubMed": 77.04, "CiteSeer": 67.28},
    "jemo": {"Cora": 83.66, "PubMed": 77.6, "CiteSeer": 66.72},
}
# Paper 2, Section 5: closed walks of length 3 (trace(A^3)) on Cora, and ECE on Cora's test nodes
# (number of bins not given).
PAPER2_CLOSED_3_WALKS = {"original": 9780, "generated": 10674}
PAPER2_ECE = {"gcn": 0.67, "jem": 0.52}
# GNNSafe (Wu et al., ICLR 2023), Cora with a GCN backbone: AUROC (%) for the structure, feature
# and label shifts, per detection score (their MSP, Energy and GNNSafe rows).
GNNSAFE_CORA_AUROC = {
    "msp": {"structure": 71.8, "feature": 85.4, "label": 91.2},
    "energy": {"structure": 71.5, "feature": 86.1, "label": 91.4},
    "propagated_energy": {"structure": 87.5, "feature": 93.5, "label": 92.8},
}
# GCNII (Chen et al., ICML 2020), its table of accuracies by depth: test accuracy (%) on Cora's
# public split with 64 layers, under GCNII's own training protocol (dropout, weight decay, 64 hidden
# units, early stopping), not Table 1's.
GCNII_CORA_64 = 85.5
