"""The experiments of paper 1's Section 5: Table 1, Figure 2, Figure 3 and the CiteSeer temperature.

Every ``*_runs`` function lists an experiment's runs as ``runs(config, results, seeds, name)``
(:class:`~energygnn.experiments.registry.RunBuilder`): ``name`` is the experiment, its config
section and its results folder; ``results`` holds the stored runs it builds on; ``seeds``
replaces the section's."""
from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import torch

from ..data import canonical_planetoid_name, grid_graph
from ..entropy import boltzmann_p_bar, node_energy
from ..measures import MEASURES, all_measures
from ..models import MODELS, build_model, model_class
from ..nn import StepOptions
from . import configs
from .runner import Run, load_cached
from .training import train_node_classifier


def load_config(quick: bool) -> dict[str, Any]:
    """``configs/paper1.json``, quick blocks applied in quick mode (:func:`~energygnn.experiments.configs.load_config`)."""
    return configs.load_config("paper1", quick)


def training_config(config, section, dataset, model, depth, seed, model_options) -> dict[str, Any]:
    """One run's training config: the config's training block, the section's over it, and the run's cell."""
    # refuse a bad config before any run trains (names and depth as the runs would see them)
    if canonical_planetoid_name(dataset) != dataset:
        raise ValueError(f"paper1.json: write the dataset as {canonical_planetoid_name(dataset)!r}, not {dataset!r}.")
    if model not in MODELS:
        raise ValueError(f"paper1.json: unknown model {model!r}; valid names: {', '.join(MODELS)}.")
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"paper1.json: depth must be a positive integer, got {depth!r}.")
    training = {**config["training"], **section.get("training", {})}
    for key in ("epochs", "hidden_channels"):
        training[key] = section.get(key, training[key])
    return {"dataset": dataset, "model": model, "depth": depth, "seed": seed, **training,
            "model_options": model_options,
            "energy_epochs": section.get("energy_epochs", {}).get(str(depth), [])}


def sweep_order(run: Run) -> tuple[int, int]:
    """The order paper 1's runs are swept in: seed by seed (an interrupted sweep leaves whole
    seeds) and, within a seed, deepest first (so that parallel workers do not end on one long
    run). Runs without a seed (Figure 2's) count as seed 0."""
    return run.config.get("seed", 0), -run.config["depth"]


def citeseer_temperature_runs(config, results: Path | None = None, seeds=None,
                              name: str = "citeseer_temperature") -> list[Run]:
    """The entropic GCN on CiteSeer at each temperature of the section (``results``: unused)."""
    section = config[name]
    runs = []
    for temperature in section["temperatures"]:
        options = {**config["model_options"]["entropic"], "temperature": temperature}
        for seed in seeds or section["seeds"]:
            runs.append(Run(name, f"CiteSeer-entropic-depth{section['depth']}-T{temperature:g}-seed{seed}",
                            training_config(config, section, section["dataset"], "entropic", section["depth"], seed, options)))
    return runs


def chosen_citeseer_temperature(config, results: Path) -> float:
    """The temperature with the best mean validation accuracy in the CiteSeer sweep."""
    scores: dict[float, list[float]] = {}
    for run in citeseer_temperature_runs(config):
        stored = load_cached(run, results)
        if stored is None:
            raise FileNotFoundError(
                f"The CiteSeer temperature sweep has not been run ({run.path(results)} is missing): "
                "run `python -m energygnn run citeseer_temperature` first.")
        scores.setdefault(run.config["model_options"]["temperature"], []).append(stored["result"]["best_val_acc"])
    return max(scores, key=lambda t: sum(scores[t]) / len(scores[t]))


def table1_options(config, results: Path, dataset: str, model: str = "entropic") -> dict[str, Any]:
    """``model``'s options in Table 1 on ``dataset``: the config's, with CiteSeer's entropic
    models at the temperature chosen by the CiteSeer sweep."""
    options = dict(config["model_options"][model])
    if dataset == "CiteSeer" and model.startswith("entropic"):
        options["temperature"] = chosen_citeseer_temperature(config, results)
    return options


def table1_runs(config, results: Path, seeds=None, name: str = "table1", depths=None) -> list[Run]:
    """Seed by seed, so that an interrupted sweep has complete tables for the first seeds.
    ``name``: the config section, ``table1`` or a variant of it (``table1_authors_step``,
    ``table1_after_step``, ``table1_threads``: other models, cells or training settings);
    CiteSeer's entropic models use the temperature chosen by the CiteSeer sweep."""
    section = config[name]
    options = {}
    for dataset in section["datasets"]:
        for model in section["models"]:
            if model not in config["model_options"]:
                raise ValueError(f"paper1.json: unknown model {model!r} in {name}; valid names: "
                                 f"{', '.join(config['model_options'])}.")
            options[dataset, model] = table1_options(config, results, dataset, model)
    return [Run(name, f"{dataset}-{model}-depth{depth}-seed{seed}",
                training_config(config, section, dataset, model, depth, seed, options[dataset, model]))
            for seed in seeds or section["seeds"]
            for dataset in section["datasets"]
            for model in section["models"]
            for depth in depths or section["depths"]]


def entropy_setting_name(weight: float, temperature: float, normalize: bool) -> str:
    """How a setting of the entropy step appears in run keys: ``lambda10-T0.1-normalized``."""
    return f"lambda{weight:g}-T{temperature:g}-{'normalized' if normalize else 'plain'}"


def entropy_map_runs(config, results: Path | None = None, seeds=None, name: str = "entropy_maps") -> list[Run]:
    """The entropic GCN at one depth over the ``weights`` x ``temperatures`` x ``normalize`` grid
    of the ``entropy_maps`` section, seed by seed (``results``: unused)."""
    section = config[name]
    depth = section["depth"]
    runs = []
    for seed in seeds or section["seeds"]:
        for dataset in section["datasets"]:
            for normalize in section["normalize"]:
                for weight in section["weights"]:
                    for temperature in section["temperatures"]:
                        options = {**config["model_options"]["entropic"], "weight": weight,
                                   "temperature": temperature, "normalize": normalize}
                        key = f"{dataset}-entropic-depth{depth}-{entropy_setting_name(weight, temperature, normalize)}-seed{seed}"
                        runs.append(Run(name, key, training_config(
                            config, section, dataset, "entropic", depth, seed, options)))
    return runs


def entropy_map_scores(config, results: Path, dataset: str) -> dict[tuple[float, float, bool], list[float | None]]:
    """The stored map runs of ``dataset``: per setting ``(weight, temperature, normalize)``, the
    best validation accuracy of each seed run (None for a run that diverged before its first
    epoch's metrics), in grid order. Settings with no stored run are left out."""
    scores: dict[tuple[float, float, bool], list[float | None]] = {}
    for run in entropy_map_runs(config):
        if run.config["dataset"] != dataset:
            continue
        stored = load_cached(run, results)
        if stored is not None:
            options = run.config["model_options"]
            scores.setdefault((options["weight"], options["temperature"], options["normalize"]), []).append(
                stored["result"]["best_val_acc"])
    return scores


def ranked_entropy_settings(scores: dict[tuple, list[float | None]], seeds: int) -> list[tuple]:
    """The settings with all ``seeds`` runs stored and none diverged, by mean validation accuracy,
    best first (ties: grid order)."""
    complete = {setting: values for setting, values in scores.items()
                if len(values) == seeds and all(v is not None for v in values)}
    return sorted(complete, key=lambda setting: -statistics.fmean(complete[setting]))


def choose_entropy_setting(scores: dict[tuple, list[float | None]], seeds: int) -> tuple | None:
    """The setting with the best mean validation accuracy among those with all ``seeds`` runs
    stored and none diverged (ties: the first in grid order); None when no setting is complete."""
    ranked = ranked_entropy_settings(scores, seeds)
    return ranked[0] if ranked else None


def chosen_entropy_options(config, results: Path, dataset: str) -> dict[str, Any]:
    """The entropic GCN's options at the setting :func:`choose_entropy_setting` picks from the
    complete map of ``dataset``.

    Raises:
        FileNotFoundError: the map is incomplete; the message says which command completes it.
    """
    return best_entropy_options(config, results, dataset, 1)[0]


def best_entropy_options(config, results: Path, dataset: str, count: int) -> list[dict[str, Any]]:
    """The entropic GCN's options at the ``count`` best settings of ``dataset``'s complete map
    (:func:`ranked_entropy_settings`), best first.

    Raises:
        FileNotFoundError: the map is incomplete; the message says which command completes it.
    """
    section = config["entropy_maps"]
    scores = entropy_map_scores(config, results, dataset)
    planned = len(section["weights"]) * len(section["temperatures"]) * len(section["normalize"])
    stored = sum(len(values) for values in scores.values())
    if stored < planned * len(section["seeds"]):
        raise FileNotFoundError(
            f"The lambda x T map of {dataset} is incomplete ({stored} of {planned * len(section['seeds'])} runs in "
            f"{results / 'entropy_maps'}): run `python -m energygnn run entropy_maps` first.")
    return [{**config["model_options"]["entropic"], "weight": weight, "temperature": temperature, "normalize": normalize}
            for weight, temperature, normalize in ranked_entropy_settings(scores, len(section["seeds"]))[:count]]


def table1_chosen_runs(config, results: Path, seeds=None, name: str = "table1_chosen") -> list[Run]:
    """Table 1's entropic rows with each dataset's setting chosen from its map (seed by seed)."""
    section = config[name]
    options = {dataset: chosen_entropy_options(config, results, dataset) for dataset in section["datasets"]}
    return [Run(name, f"{dataset}-entropic-depth{depth}-"
                f"{entropy_setting_name(options[dataset]['weight'], options[dataset]['temperature'], options[dataset]['normalize'])}"
                f"-seed{seed}",
                training_config(config, section, dataset, "entropic", depth, seed, options[dataset]))
            for seed in seeds or section["seeds"] for dataset in section["datasets"] for depth in section["depths"]]


def fresh_seed_runs(config, results: Path, seeds=None, name: str = "fresh_seeds") -> list[Run]:
    """Table 1's depth-64 cell on seeds that no choice of a setting saw: per dataset the basic GCN,
    the entropic GCN at Table 1's setting (:func:`table1_options`) and at the ``top_settings``
    best settings of its map (:func:`best_entropy_options`), seed by seed; a setting that is both
    Table 1's and among the best runs once, under Table 1's name."""
    section = config[name]
    runs = []
    for seed in seeds or section["seeds"]:
        for dataset in section["datasets"]:
            paper = table1_options(config, results, dataset)
            cells = {"basic": ("basic", config["model_options"]["basic"]), "entropic-table1": ("entropic", paper)}
            for options in best_entropy_options(config, results, dataset, section["top_settings"]):
                if options != paper:
                    setting = entropy_setting_name(options["weight"], options["temperature"], options["normalize"])
                    cells[f"entropic-{setting}"] = ("entropic", options)
            for depth in section["depths"]:
                runs += [Run(name, f"{dataset}-{label}-depth{depth}-seed{seed}",
                             training_config(config, section, dataset, model, depth, seed, options))
                         for label, (model, options) in cells.items()]
    return runs


def trained_measure_runs(config, results: Path | None = None, seeds=None, name: str = "trained_measures") -> list[Run]:
    """Committed depth-64 runs re-run with every oversmoothing measure per layer: Table 1's
    ``models`` on ``seeds`` (keys as in ``table1``) and the ``map_cells`` ``(weight, temperature,
    normalize)`` on ``map_seeds`` (keys as in ``entropy_maps``); ``seeds`` replaces both seed
    lists. A re-run's key is its original's, so that the two can be compared (``results``: unused)."""
    section = config[name]
    depth = section["depth"]
    runs = []
    for seed in seeds or section["seeds"]:
        for dataset in section["datasets"]:
            runs += [Run(name, f"{dataset}-{model}-depth{depth}-seed{seed}",
                         training_config(config, section, dataset, model, depth, seed, config["model_options"][model]))
                     for model in section["models"]]
    for seed in seeds or section["map_seeds"]:
        for dataset in section["datasets"]:
            for weight, temperature, normalize in section["map_cells"]:
                options = {**config["model_options"]["entropic"], "weight": weight, "temperature": temperature,
                           "normalize": normalize}
                runs.append(Run(name, f"{dataset}-entropic-depth{depth}-"
                                f"{entropy_setting_name(weight, temperature, normalize)}-seed{seed}",
                                training_config(config, section, dataset, "entropic", depth, seed, options)))
    return runs


def step_options(config, results: Path, dataset: str, step) -> dict[str, Any]:
    """A variant's entropy step: ``"chosen"`` (the setting chosen on ``dataset``'s map,
    :func:`chosen_entropy_options`), ``"paper"`` (Table 1's entropic options on ``dataset``,
    :func:`table1_options`) or a dict of options over those."""
    if step == "chosen":
        return chosen_entropy_options(config, results, dataset)
    if step == "paper":
        return table1_options(config, results, dataset)
    if isinstance(step, dict):
        return {**table1_options(config, results, dataset), **step}
    raise ValueError(f"paper1.json: a variant's step must be 'chosen', 'paper' or a dict of options, got {step!r}.")


def schedule_mean_step(step: dict[str, Any], depth: int) -> dict[str, Any]:
    """The constant step with the mean weight of ``step``'s schedule over ``depth`` hidden layers
    (:meth:`~energygnn.nn.entropic.StepOptions.layer_weights`): the same total weight, spread
    evenly; the step's other settings as they are."""
    weights = StepOptions.coerce(step, "schedule_mean_step").layer_weights(depth)
    constant = {key: value for key, value in step.items() if key not in ("schedule", "peak")}
    return {**constant, "weight": sum(weights) / depth}


def variant_runs(config, results: Path, name: str, seeds=None) -> list[Run]:
    """The runs of a section of named variants (``beyond_*``): each ``{"model", "options",
    "step"}`` trained with Table 1's protocol (the section's ``training`` over it) on every
    dataset, depth and seed, seed by seed. ``step`` (optional) adds the entropy step (see
    :func:`step_options`) to the model's options, laid out as the model's configs store it
    (``options_with_step`` of its class); ``"step_weight": "schedule_mean"`` (optional) replaces
    that step, per depth, by the constant step of its schedule's mean weight
    (:func:`schedule_mean_step`). Each run's config names its ``variant``."""
    section = config[name]
    runs = []
    for seed in seeds or section["seeds"]:
        for dataset in section["datasets"]:
            for variant, spec in section["variants"].items():
                base = dict(spec.get("options", {}))
                step = step_options(config, results, dataset, spec["step"]) if "step" in spec else None
                if spec.get("step_weight", "as_given") not in ("as_given", "schedule_mean"):
                    raise ValueError(f"paper1.json: {name}.{variant}: step_weight must be 'as_given' or "
                                     f"'schedule_mean', got {spec['step_weight']!r}.")
                for depth in section["depths"]:
                    options = base
                    if step is not None:
                        layer_step = schedule_mean_step(step, depth) if spec.get("step_weight") == "schedule_mean" else step
                        options = model_class(spec["model"]).options_with_step(base, layer_step)
                    runs.append(Run(name, f"{dataset}-{variant}-depth{depth}-seed{seed}", {
                        **training_config(config, section, dataset, spec["model"], depth, seed, options),
                        "variant": variant}))
    return runs


def survey_energy(x: torch.Tensor, edge_index: torch.Tensor) -> float:
    """``E(X) = (1/n) sum_i sum_{j in N(i)} ||x_i - x_j||^2`` (Rusch et al. 2023): twice the mean plain node energy."""
    return float(2 * node_energy(x, edge_index).mean())


def untrained_energy(config: dict[str, Any]) -> dict[str, Any]:
    """Figure 2, one (model, depth): mean energy of the untrained model's output on the grid, per draw.
    Computed in float64 so that energies far below float32's range stay measurable."""
    survey, authors = [], []
    for draw in range(config["draws"]):
        torch.manual_seed(draw)
        graph = grid_graph(config["grid"]["rows"], config["grid"]["cols"], num_features=1,
                           generator=torch.Generator().manual_seed(draw))
        model = build_model(config["model"], 1, config["out_channels"], config["depth"],
                            hidden_channels=config["hidden_channels"], **config["model_options"]).double().eval()
        with torch.no_grad():
            out = model(graph.x.double(), graph.edge_index)
        survey.append(survey_energy(out, graph.edge_index))
        authors.append(float(node_energy(out, graph.edge_index, normalize=True).mean()))
    return {"survey_energy": survey, "authors_energy": authors}


def untrained_measures(config: dict[str, Any]) -> dict[str, Any]:
    """Figure 2 on every measure, one (model, depth): per draw, every measure of
    ``energygnn.measures.MEASURES`` of the untrained model's output on the grid with
    ``config["features"]`` random input features per node (float64), as
    ``{measure: [draw, ...]}``. With one feature a draw builds the graph and the model that
    :func:`untrained_energy` builds, so ``raw_energy`` is Figure 2's ``survey_energy``."""
    rows = []
    features = config["features"]
    for draw in range(config["draws"]):
        torch.manual_seed(draw)
        graph = grid_graph(config["grid"]["rows"], config["grid"]["cols"], num_features=features,
                           generator=torch.Generator().manual_seed(draw))
        model = build_model(config["model"], features, config["out_channels"], config["depth"],
                            hidden_channels=config["hidden_channels"], **config["model_options"]).double().eval()
        with torch.no_grad():
            out = model(graph.x.double(), graph.edge_index)
        rows.append(all_measures(out, graph.edge_index))
    return {name: [row[name] for row in rows] for name in MEASURES}


def figure2_measure_runs(config, results: Path | None = None, seeds=None, name: str = "figure2_measures") -> list[Run]:
    """Figure 2 on every measure (:func:`untrained_measures`), at the section's ``depths`` and for
    each width of input ``features``: Figure 2's models (the ``figure2`` section's, at its draws,
    grid and widths), the entropic GCN under every setting of ``figure2_settings``, and the
    ``init_control`` models with the init it names (``results`` and ``seeds``: unused). Each
    run's config names its ``family``: ``"figure2"``, ``"settings"`` or ``"init"``."""
    section = config[name]
    control = section["init_control"]
    models = [("figure2", model, model, config["model_options"][model]) for model in config["figure2"]["models"]]
    models += [("settings", f"entropic-{setting}", "entropic", options) for setting, options in figure2_setting_options(config)]
    models += [("init", f"{model}-init{control['init']}", model, {**config["model_options"][model], "init": control["init"]})
               for model in control["models"]]
    planned = [(family, label, model, options, features, depth) for features in section["features"]
               for depth in section["depths"] for family, label, model, options in models]
    runs = []
    for family, label, model, options, features, depth in planned:
        run = _figure2_run(config, name, f"{label}-features{features}-depth{depth}", model, options, depth)
        runs.append(Run(name, run.key, {**run.config, "features": features, "family": family}))
    return runs


def saturation_runs(config, results: Path | None = None, seeds=None, name: str = "figure2_saturation") -> list[Run]:
    """Figure 2's untrained entropic GCN under every setting of ``figure2_settings``, at the
    section's ``depth`` only, with ``draws`` draws (``results`` and ``seeds``: unused)."""
    section = config[name]
    return [Run(name, run.key, {**run.config, "draws": section["draws"]})
            for run in figure2_setting_runs(config) if run.config["depth"] == section["depth"]]


def saturation(config: dict[str, Any]) -> dict[str, Any]:
    """:func:`step_saturation` of each of ``config["draws"]`` draws: ``{"mean_p_bar": [draw][layer]}``."""
    return {"mean_p_bar": [step_saturation(config, draw) for draw in range(config["draws"])]}


def step_saturation(config: dict[str, Any], draw: int = 0) -> list[float]:
    r"""Inside Figure 2's untrained model (``config`` as :func:`untrained_energy` takes it), one
    draw: per hidden layer, the mean over nodes of :math:`\bar P_i = e^{-E_i/T}(1 - E_i/T)` of
    its output, with the setting's energies (:math:`a_i` and :math:`T` from
    ``config["model_options"]``). In the linear regime (:math:`E_i \ll T`) it is 1; it falls
    towards 0 (and below, for :math:`E_i > T`) where the step saturates. Float64."""
    options = config["model_options"]
    torch.manual_seed(draw)
    graph = grid_graph(config["grid"]["rows"], config["grid"]["cols"], num_features=1,
                       generator=torch.Generator().manual_seed(draw))
    model = build_model(config["model"], 1, config["out_channels"], config["depth"],
                        hidden_channels=config["hidden_channels"], **options).double().eval()
    with torch.no_grad():
        _, hidden = model(graph.x.double(), graph.edge_index, return_hidden=True)
    return [float(boltzmann_p_bar(node_energy(h, graph.edge_index, normalize=options["normalize"]),
                                  options["temperature"]).mean()) for h in hidden]


def diffusion_energies(step: dict[str, Any] | None, time: float, step_size: float = 0.25, draws: int = 3,
                       hidden_channels: int = 64, grid: tuple[int, int] = (10, 10), graph=None) -> torch.Tensor:
    r"""The continuous Figure 2: the survey energy of untrained GRAND-l's state :math:`X(t)`
    (with the entropy term ``step``, or plain for None), float64, at :math:`t = h, 2h, \dots` up to
    ``time`` (``step_size`` :math:`h`), on Figure 2's grid with one random feature per node, or
    on ``graph`` (a PyG ``Data``) with its own features. Draw ``k`` seeds the weights (and the
    grid's features) with ``k``.

    Returns:
        Tensor [draws, time / step_size]: one row of energies per draw.
    """
    steps = round(time / step_size)
    if steps < 1 or abs(steps * step_size - time) > 1e-9 * time:
        raise ValueError(f"diffusion_energies: time ({time}) must be a positive multiple of step_size ({step_size}).")
    rows = []
    for draw in range(draws):
        torch.manual_seed(draw)
        data = graph if graph is not None else \
            grid_graph(*grid, num_features=1, generator=torch.Generator().manual_seed(draw))
        model = build_model("grand", data.num_features, hidden_channels, steps, hidden_channels=hidden_channels,
                            step_size=step_size, step=step).double().eval()
        with torch.no_grad():
            _, states = model(data.x.double(), data.edge_index, return_hidden=True)
        rows.append([survey_energy(state, data.edge_index) for state in states])
    return torch.tensor(rows, dtype=torch.float64)


def _figure2_run(config, experiment: str, key: str, model: str, options: dict[str, Any], depth: int) -> Run:
    section = config["figure2"]  # grid, draws and depths are Figure 2's for every setting
    return Run(experiment, key, {
        "model": model, "depth": depth, "draws": section["draws"], "grid": section["grid"],
        "out_channels": section["out_channels"],
        "hidden_channels": section.get("hidden_channels", config["training"]["hidden_channels"]),
        "model_options": options})


def figure2_runs(config, results: Path | None = None, seeds=None, name: str = "figure2") -> list[Run]:
    """Figure 2's untrained models at each depth (``results`` and ``seeds``: unused; the
    config fixes the draws)."""
    section = config[name]
    return [_figure2_run(config, name, f"{model}-depth{depth}", model, config["model_options"][model], depth)
            for model in section["models"] for depth in section["depths"]]


def figure2_setting_runs(config, results: Path | None = None, seeds=None, name: str = "figure2_settings") -> list[Run]:
    """Figure 2's untrained entropic GCN under every setting of the ``figure2_settings`` section:
    step direction (``variants``) x energy normalisation x ``weights``, at one temperature
    (``results`` and ``seeds``: unused; the config fixes the draws)."""
    return [_figure2_run(config, name, f"entropic-{setting}-depth{depth}", "entropic", options, depth)
            for setting, options in figure2_setting_options(config, name) for depth in config["figure2"]["depths"]]


def figure2_setting_options(config, name: str = "figure2_settings") -> list[tuple[str, dict[str, Any]]]:
    """The settings of the ``figure2_settings`` section, in its order: ``(setting, options)``, the
    setting as run keys name it (``exact-lambda1-T10-normalized``) and the entropic GCN's options."""
    section = config[name]
    settings = []
    for variant in section["variants"]:
        for normalize in section["normalize"]:
            for weight in section["weights"]:
                options = {**config["model_options"]["entropic"], "weight": weight,
                           "temperature": section["temperature"], "normalize": normalize, "variant": variant}
                settings.append((f"{variant}-{entropy_setting_name(weight, section['temperature'], normalize)}", options))
    return settings
