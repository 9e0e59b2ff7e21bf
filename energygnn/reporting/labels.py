"""Display names, colours and figure style: one place, so that every chapter names and draws a
thing alike. Each table maps a name the configs and runs use to what a reader sees."""

# -- models ----------------------------------------------------------------------------------------

MODEL_LABELS = {"basic": "Basic GCN", "entropic": "Entropic GCN", "entropic_authors": "Entropic GCN (authors' step)",
                "g2": "G2", "pairnorm": "PairNorm"}
MODEL_COLOURS = {"basic": "C0", "entropic": "C1", "entropic_authors": "C4", "g2": "C2", "pairnorm": "C3"}
PAPER2_LABELS = {"gcn": "GCN", "jem": "GCN-JEM", "jemo": "GCN-JEMO"}

# The variants of the experiments beyond paper 1 (configs/paper1.json's beyond_* sections); a
# variant ending in STEP_SUFFIX is its model with the entropy step.
VARIANT_LABELS = {"gat": "GAT", "sage": "GraphSAGE", "gin": "GIN", "gcnii": "GCNII", "appnp": "APPNP",
                  "grand": "GRAND-l", "middle_schedule": "middle schedule (peak 10)",
                  "not_detached": "undetached step",
                  "grand_entropic_fine": "GRAND-l + entropy step, 4 RK4 steps per unit time"}
STEP_SUFFIX = "_entropic"


def variant_label(variant: str) -> str:
    """``"gat_entropic"`` -> ``"GAT + entropy step"``; a name without a label is shown as it is."""
    if variant.endswith(STEP_SUFFIX):
        return f"{variant_label(variant[: -len(STEP_SUFFIX)])} + entropy step"
    return VARIANT_LABELS.get(variant, variant)


# -- paper 1's entropy step: its direction, normalisation and setting --------------------------------

# which direction the step takes (configs/paper1.json's figure2_settings variants)
STEP_DIRECTION_LABELS = {"exact": "exact step (Theorem 3.1)", "authors": "authors' direction (no 1/T)"}
SHORT_STEP_DIRECTION_LABELS = {"exact": "exact", "authors": "authors'"}
# which entropy step a benchmark setting used (benchmarks/entropy_gradient.SETTINGS)
STEP_SETTING_LABELS = {"compiled": "compiled (default)", "pytorch": "pure PyTorch",
                       "pytorch_tuned_allocator": "pure PyTorch, tuned allocator"}


def normalisation_label(normalize: bool) -> str:
    r"""``"a_i = 1/sqrt(d_i c)"`` or ``"a_i = 1"``, as math."""
    return r"$a_i = 1/\sqrt{d_i c}$" if normalize else r"$a_i = 1$"


def energies_text(normalize: bool) -> str:
    """``"aᵢ = 1/√(dᵢc)"`` or ``"aᵢ = 1"``, in plain text (for prose, where math does not render)."""
    return "aᵢ = 1/√(dᵢc)" if normalize else "aᵢ = 1"


def setting_label(weight: float, temperature: float, normalize: bool) -> str:
    """E.g. ``"λ = 10, T = 0.1, aᵢ = 1"``, in plain text (for prose, where math does not render)."""
    return f"λ = {weight:g}, T = {temperature:g}, {energies_text(normalize)}"


def parts_label(parts: int) -> str:
    """``"full batch"`` for one partition, else ``"<parts> partitions"``."""
    return "full batch" if parts == 1 else f"{parts} partitions"


# -- paper 2 ---------------------------------------------------------------------------------------

# What the ablation table calls each variant of configs/paper2.json's jem_ablation.
ABLATION_LABELS = {"tau0.01": r"$\tau = 0.01$", "tau1": r"$\tau = 1$", "no-generation": "no graph generation",
                   "jemo-raw-weight0.1": "GCN-JEMO, raw features, weight 0.1",
                   "jemo-raw-weight0.01": "GCN-JEMO, raw features, weight 0.01",
                   "jemo-raw-no-generation": "GCN-JEMO, raw features, weight 1, no graph generation",
                   "no-partition": "no renormalisation ($Z = 1$)",
                   "jem-loss-no-partition": r"JEM's $L_\text{gen}$, no renormalisation",
                   "jemo-weight0.1": "GCN-JEMO, weight 0.1", "jemo-weight0.01": "GCN-JEMO, weight 0.01",
                   "jemo-no-generation": "GCN-JEMO, weight 1, no graph generation"}
# the readings of Algorithm 1's Z (energygnn.ebm.sampler.PARTITIONS)
READING_LABELS = {"sum": r"$Z = \sum_j \mathrm{LSE}_j$", "mean": r"$Z = \frac{1}{n}\sum_j \mathrm{LSE}_j$",
                  "lse": r"$Z = \log\sum_{j,y} e^{f[j,y]}$", "none": "$Z = 1$"}
# out-of-distribution scores (energygnn.evaluation.ood.SCORES) and edge attacks
OOD_SCORE_LABELS = {"msp": "maximum softmax", "energy": "energy", "propagated_energy": "energy, propagated (GNNSafe)"}
ATTACK_LABELS = {"prbcd": "PRBCD", "random": "random flips"}

# -- figures ---------------------------------------------------------------------------------------

# Figures are drawn about 9 inches wide, so that these sizes stay readable at page width.
FIGURE_STYLE = {"font.size": 12, "axes.titlesize": 12, "axes.labelsize": 12, "xtick.labelsize": 11,
                "ytick.labelsize": 11, "legend.fontsize": 11}
# (line style, marker) of the models in one panel, so that coinciding curves stay visible
LINE_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-", "D"), ("--", "v"))


def tex_power_of_ten(value: float) -> str:
    r"""``value`` to one significant digit as TeX for a math label: ``"5 \cdot 10^{-5}"``, or just
    the digit when the exponent is 0 (``"3"``)."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return mantissa if int(exponent) == 0 else f"{mantissa} \\cdot 10^{{{int(exponent)}}}"
