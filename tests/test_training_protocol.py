"""Training options for protocols other than paper 1's (GCNII's): per-module weight decay, a constant
learning rate, the mean loss, dropout in GCNII; and the constant step at a schedule's mean weight."""
import pytest
import torch
from torch_geometric.data import Data

from energygnn.config import results_root
from energygnn.experiments import paper1
from energygnn.experiments.training import build_training, parameter_groups, train_epoch, train_node_classifier
from energygnn.history import is_stochastic
from energygnn.models import build_model
from energygnn.nn import StepOptions


def tiny_graph(seed=0):
    generator = torch.Generator().manual_seed(seed)
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 5], [1, 0, 2, 1, 3, 2, 4, 3, 5, 4]])
    mask = torch.tensor([True, True, True, False, False, False])
    return Data(x=torch.rand(6, 5, generator=generator), edge_index=edge_index, y=torch.tensor([0, 1, 0, 1, 0, 1]),
                train_mask=mask, val_mask=~mask, test_mask=~mask)


def test_weight_decay_groups_give_each_named_module_its_decay_and_the_rest_the_default():
    model = build_model("gcnii", 5, 2, 3, hidden_channels=4, dropout=0.5)
    groups = parameter_groups(model, 0.5, {"convs": 0.01, "decoder": 5e-4})
    assert [group["weight_decay"] for group in groups] == [0.01, 5e-4, 0.5]
    ids = [{id(p) for p in group["params"]} for group in groups]
    assert ids[0] == {id(p) for p in model.convs.parameters()}
    assert ids[1] == {id(p) for p in model.decoder.parameters()}
    assert ids[2] == {id(p) for p in model.encoder.parameters()}  # named in no group: the default
    assert sum(map(len, ids)) == len(list(model.parameters()))  # every parameter once
    with pytest.raises(ValueError, match="no child 'convz'"):
        parameter_groups(model, 0.0, {"convz": 0.01})
    with pytest.raises(ValueError, match="no child 'dropout'"):  # a child without parameters
        parameter_groups(model, 0.0, {"dropout": 0.01})
    (single,) = parameter_groups(model, 0.1)
    assert single["weight_decay"] == 0.1 and [id(p) for p in single["params"]] == [id(p) for p in model.parameters()]


def test_the_optimizer_decays_each_group_at_its_own_rate():
    """With zero gradients Adam's coupled decay is the only update: a parameter with decay 0 keeps
    its value, one with decay moves."""
    model = build_model("gcnii", 5, 2, 2, hidden_channels=4)
    optimizer = torch.optim.Adam(parameter_groups(model, 0.0, {"convs": 0.1}), lr=0.01)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for name, p in model.named_parameters():
        moved = not torch.equal(before[name], p.detach())
        assert moved == name.startswith("convs"), name


def test_build_training_reads_the_protocol_options_and_defaults_to_paper_1s():
    config = {"dataset": "Cora", "model": "gcnii", "depth": 2, "seed": 0, "epochs": 5, "lr": 0.01, "weight_decay": 5e-4,
              "hidden_channels": 8, "model_options": {"dropout": 0.6}}
    data, model, optimizer, scheduler = build_training(config)
    assert isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR)  # paper 1's
    assert [g["weight_decay"] for g in optimizer.param_groups] == [5e-4] and data.x.sum(1).max() > 1  # raw features
    gcnii = {**config, "weight_decay_groups": {"convs": 0.01, "encoder": 5e-4, "decoder": 5e-4},
             "lr_schedule": "constant", "normalize_features": True}
    data, model, optimizer, scheduler = build_training(gcnii)
    assert scheduler is None and [g["weight_decay"] for g in optimizer.param_groups] == [0.01, 5e-4, 5e-4]
    rows = data.x.sum(1)
    assert torch.allclose(rows[rows > 0], torch.ones_like(rows[rows > 0]))  # row-normalised
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        build_training({**config, "lr_schedule": "cyclic"})


def test_the_mean_loss_is_the_sum_over_the_training_nodes_divided_by_their_count():
    data = tiny_graph()
    losses = {}
    for reduction in ("sum", "mean"):
        torch.manual_seed(0)
        model = build_model("basic", 5, 2, 2, hidden_channels=4)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.0)
        losses[reduction] = train_epoch(model, optimizer, None, data, reduction=reduction).loss  # no scheduler
    assert losses["mean"] == pytest.approx(losses["sum"] / int(data.train_mask.sum()), rel=1e-6)
    with pytest.raises(ValueError, match="loss_reduction must be one of"):
        train_epoch(model, optimizer, None, data, reduction="max")


def test_gcnii_without_dropout_has_no_dropout_module_and_the_same_parameters():
    torch.manual_seed(0)
    plain = build_model("gcnii", 5, 2, 3, hidden_channels=4)
    torch.manual_seed(0)
    dropped = build_model("gcnii", 5, 2, 3, hidden_channels=4, dropout=0.6)
    assert plain.dropout is None and not is_stochastic(plain) and is_stochastic(dropped)
    for (name, a), (_, b) in zip(plain.named_parameters(), dropped.named_parameters()):
        assert torch.equal(a, b), name  # the option draws nothing at construction
    data = tiny_graph()
    dropped.eval()  # no dropout in evaluation: the same function
    assert torch.equal(plain(data.x, data.edge_index), dropped(data.x, data.edge_index))
    dropped.train()
    torch.manual_seed(1)
    assert not torch.equal(plain(data.x, data.edge_index), dropped(data.x, data.edge_index))
    with pytest.raises(ValueError, match="dropout must be in"):
        build_model("gcnii", 5, 2, 3, hidden_channels=4, dropout=1.0)


def test_a_constant_learning_rate_and_dropout_train_deterministically():
    config = {"dataset": "Cora", "model": "gcnii", "depth": 2, "seed": 0, "epochs": 3, "lr": 0.01, "weight_decay": 5e-4,
              "hidden_channels": 8, "model_options": {"dropout": 0.6}, "lr_schedule": "constant",
              "loss_reduction": "mean", "weight_decay_groups": {"convs": 0.01}, "normalize_features": True}
    first, second = train_node_classifier(config), train_node_classifier(config)
    assert first["metrics"] == "after_step"  # dropout: metrics of an evaluation forward
    assert first["history"]["train_loss"] == second["history"]["train_loss"]
    assert first["history"]["train_loss"][0] < 2.5  # a mean over nodes, not a sum over 140 of them


def test_the_schedule_mean_step_has_the_schedules_total_weight():
    step = {"weight": 2.0, "temperature": 10.0, "normalize": True, "detach": True, "schedule": "middle", "peak": 10.0}
    for depth in (1, 16, 64):
        constant = paper1.schedule_mean_step(step, depth)
        assert "schedule" not in constant and "peak" not in constant
        assert {k: v for k, v in constant.items() if k != "weight"} == {"temperature": 10.0, "normalize": True,
                                                                         "detach": True}
        weights = StepOptions.coerce(step, "test").layer_weights(depth)
        assert constant["weight"] * depth == pytest.approx(sum(weights))
        assert StepOptions.coerce(constant, "test").layer_weights(depth) == [constant["weight"]] * depth
    assert paper1.schedule_mean_step(step, 64)["weight"] < paper1.schedule_mean_step(step, 16)["weight"] < 2.0 * 10


def test_schedule_constant_runs_take_the_middle_schedules_step_at_its_mean_weight():
    config = paper1.load_config(quick=False)
    runs = paper1.variant_runs(config, results_root(), "schedule_constant")
    middle = {(r.config["dataset"], r.config["depth"], r.config["seed"]): r.config["model_options"]
              for r in paper1.variant_runs(config, results_root(), "beyond_schedule")
              if r.config["variant"] == "middle_schedule"}
    assert len(runs) == 12
    for run in runs:
        schedule = middle[run.config["dataset"], run.config["depth"], run.config["seed"]]
        options = run.config["model_options"]
        assert options == paper1.schedule_mean_step(schedule, run.config["depth"])
        assert options["temperature"] == schedule["temperature"]  # CiteSeer's T = 30 too
    bad = {**config, "schedule_constant": {**config["schedule_constant"], "variants": {
        "x": {"model": "entropic", "step": {"schedule": "middle"}, "step_weight": "half"}}}}
    with pytest.raises(ValueError, match="step_weight must be"):
        paper1.variant_runs(bad, results_root(), "schedule_constant")


def test_the_ode_check_is_beyond_deeps_fine_grand_with_twice_the_substeps():
    config = paper1.load_config(quick=False)
    fine = {(r.config["dataset"], r.config["depth"], r.config["seed"]): r.config
            for r in paper1.variant_runs(config, results_root(), "beyond_deep")
            if r.config["variant"] == "grand_entropic_fine"}
    for run in paper1.variant_runs(config, results_root(), "grand_ode_check"):
        reference = fine[run.config["dataset"], run.config["depth"], run.config["seed"]]
        options = run.config["model_options"]
        assert options["substeps"] == 2 * reference["model_options"]["substeps"]
        assert {**run.config, "variant": None, "model_options": {**options, "substeps": None}} == \
            {**reference, "variant": None, "model_options": {**reference["model_options"], "substeps": None}}


def test_gcnii_with_dropout_is_pygs_gcn2_cora_model():
    """The GCNII that ``gcnii_protocol`` trains computes what PyG's ``gcn2_cora`` example's ``Net``
    computes (dropout on the input, before every layer and before the decoder; shared weights;
    GCN normalisation with self loops), in training mode too, given its weights and random state."""
    from torch_geometric.nn import GCN2Conv
    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    class Net(torch.nn.Module):  # examples/gcn2_cora.py
        def __init__(self, features, classes, hidden, layers, alpha, theta, dropout):
            super().__init__()
            self.lins = torch.nn.ModuleList([torch.nn.Linear(features, hidden), torch.nn.Linear(hidden, classes)])
            self.convs = torch.nn.ModuleList(GCN2Conv(hidden, alpha, theta, layer + 1, True, normalize=False)
                                             for layer in range(layers))
            self.dropout = dropout

        def forward(self, x, edge_index, edge_weight):
            x = torch.nn.functional.dropout(x, self.dropout, training=self.training)
            x = x_0 = self.lins[0](x).relu()
            for conv in self.convs:
                x = torch.nn.functional.dropout(x, self.dropout, training=self.training)
                x = conv(x, x_0, edge_index, edge_weight).relu()
            x = torch.nn.functional.dropout(x, self.dropout, training=self.training)
            return self.lins[1](x)

    data = tiny_graph()
    ours = build_model("gcnii", 5, 2, 4, hidden_channels=6, alpha=0.1, theta=0.5, dropout=0.6)
    reference = Net(5, 2, 6, 4, 0.1, 0.5, 0.6)
    reference.lins[0].load_state_dict(ours.encoder.state_dict())
    reference.lins[1].load_state_dict(ours.decoder.state_dict())
    reference.convs.load_state_dict(ours.convs.state_dict())
    edge_index, edge_weight = gcn_norm(data.edge_index, num_nodes=6, add_self_loops=True)
    for mode in ("eval", "train"):
        getattr(ours, mode)(), getattr(reference, mode)()
        torch.manual_seed(3)
        mine = ours(data.x, data.edge_index)
        torch.manual_seed(3)
        theirs = reference(data.x, edge_index, edge_weight)
        assert torch.allclose(mine, theirs, atol=1e-6), mode
