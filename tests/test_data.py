import shutil
from pathlib import Path

import pytest
import torch
from torch_geometric.utils import is_undirected

from energygnn import config
from energygnn.data import (
    RAW_SHA256, DatasetError, block_model_graph, degree_counts, grid_graph, load_planetoid, raw_file_names,
)

MIRROR = config.default_raw_mirror()
needs_mirror = pytest.mark.skipif(
    MIRROR is None or not (MIRROR / "Cora" / "raw").is_dir(),
    reason="offline Planetoid mirror (../shared/data/planetoid) not found",
)

EXPECTED = {
    # name: nodes, directed edges, features, classes, train/val/test
    "Cora": (2708, 10556, 1433, 7, (140, 500, 1000)),
    "CiteSeer": (3327, 9104, 3703, 6, (120, 500, 1000)),
    "PubMed": (19717, 88648, 500, 3, (60, 500, 1000)),
}


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return tmp_path_factory.mktemp("planetoid")


@needs_mirror
@pytest.mark.parametrize("name", list(EXPECTED))
def test_load_planetoid_offline(name, data_root, no_network):
    data = load_planetoid(name.upper(), root=data_root)
    nodes, edges, features, classes, split = EXPECTED[name]
    assert data.num_nodes == nodes
    assert data.num_edges == edges
    assert data.num_features == features
    assert int(data.y.max()) + 1 == classes
    assert tuple(int(data[f"{s}_mask"].sum()) for s in ("train", "val", "test")) == split
    assert is_undirected(data.edge_index)
    # the mirror is read, never written
    assert sorted(p.name for p in (MIRROR / name).iterdir()) == ["raw"]


@needs_mirror
def test_second_load_uses_processed_files(data_root, no_network):
    first = load_planetoid("cora", root=data_root)
    second = load_planetoid("Cora", root=data_root, mirror=data_root / "nowhere")
    assert torch.equal(first.edge_index, second.edge_index)


def test_mirror_checksums_match_the_package():
    if MIRROR is None or not (MIRROR / "SHA256SUMS").is_file():
        pytest.skip("offline mirror not found")
    listed = {}
    for line in (MIRROR / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split()
        listed[Path(path).name] = digest
    assert listed == RAW_SHA256


def test_names_are_case_insensitive_and_unknown_names_are_listed():
    assert raw_file_names("cItEsEeR")[0] == "ind.citeseer.x"
    with pytest.raises(ValueError, match="Cora, CiteSeer, PubMed"):
        load_planetoid("ogbn-arxiv")


@needs_mirror
def test_corrupted_mirror_file_is_reported(tmp_path, no_network):
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR / "Cora", mirror / "Cora")
    (mirror / "Cora" / "raw" / "ind.cora.graph").chmod(0o644)
    with open(mirror / "Cora" / "raw" / "ind.cora.graph", "r+b") as handle:
        handle.write(b"garbage")
    with pytest.raises(DatasetError, match=r"Corrupted .*ind\.cora\.graph"):
        load_planetoid("Cora", root=tmp_path / "data", mirror=mirror)
    # nothing half-copied is left behind
    assert not list((tmp_path / "data").rglob("*.part"))


@needs_mirror
def test_corrupted_local_raw_file_is_reported_not_unpickled(tmp_path, no_network):
    raw = tmp_path / "data" / "CiteSeer" / "raw"
    shutil.copytree(MIRROR / "CiteSeer" / "raw", raw)
    (raw / "ind.citeseer.allx").chmod(0o644)
    (raw / "ind.citeseer.allx").write_bytes(b"\x80\x04truncated")
    with pytest.raises(DatasetError, match=r"Corrupted .*ind\.citeseer\.allx.*Delete"):
        load_planetoid("citeseer", root=tmp_path / "data")


def test_missing_files_without_mirror_or_network(tmp_path, no_network):
    empty_mirror = tmp_path / "empty"
    empty_mirror.mkdir()
    with pytest.raises(DatasetError) as info:
        load_planetoid("PubMed", root=tmp_path / "data", mirror=empty_mirror)
    message = str(info.value)
    assert "ind.pubmed.graph" in message and str(tmp_path / "data" / "PubMed" / "raw") in message
    assert "ENERGYGNN_RAW_MIRROR" in message


def test_data_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ENERGYGNN_DATA", str(tmp_path))
    monkeypatch.setenv("ENERGYGNN_RAW_MIRROR", str(tmp_path / "mirror"))
    assert config.default_data_root() == tmp_path
    assert config.default_raw_mirror() == tmp_path / "mirror"


def test_grid_graph_shape_and_neighbourhoods():
    graph = grid_graph()
    assert graph.num_nodes == 100 and graph.x.shape == (100, 1)
    loops = graph.edge_index[0] == graph.edge_index[1]
    assert int(loops.sum()) == 100 and int((~loops).sum()) == 360
    assert is_undirected(graph.edge_index)
    degree = torch.bincount(graph.edge_index[0, ~loops], minlength=100)
    # corners 2, border 3, interior 4 neighbours
    assert torch.bincount(degree).tolist() == [0, 0, 4, 32, 64]
    assert bool((graph.x >= 0).all() and (graph.x < 1).all())
    # neighbours are one step apart on the grid
    steps = (graph.pos[graph.edge_index[0, ~loops]] - graph.pos[graph.edge_index[1, ~loops]]).abs().sum(1)
    assert torch.equal(steps, torch.ones_like(steps))


def test_grid_graph_options_and_determinism():
    a = grid_graph(3, 5, num_features=2, self_loops=False, generator=torch.Generator().manual_seed(1))
    b = grid_graph(3, 5, num_features=2, self_loops=False, generator=torch.Generator().manual_seed(1))
    assert a.x.shape == (15, 2) and a.num_edges == 2 * (3 * 4 + 5 * 2)
    assert torch.equal(a.x, b.x)
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        grid_graph(rows=0)


def test_degree_counts_keep_the_smallest_degrees():
    """Hand-made graph: a path 0-1-2-3 (degrees 1, 2, 2, 1), a star 4-{5, 6, 7} (3, 1, 1, 1) and an
    isolated node 8. Degree 1 and degree 0 are both listed; a log-log plot must drop 0 (log 0 is
    undefined), so the book reports isolated nodes separately."""
    from torch_geometric.data import Data
    from torch_geometric.utils import to_undirected

    edges = to_undirected(torch.tensor([[0, 1, 2, 4, 4, 4], [1, 2, 3, 5, 6, 7]]))
    degrees, counts = degree_counts(Data(edge_index=edges, num_nodes=9))
    assert degrees.tolist() == [0, 1, 2, 3]
    assert counts.tolist() == [1, 5, 2, 1]
    assert int(counts.sum()) == 9
    # without the isolated node the smallest degree is 1, and it is still there
    degrees, counts = degree_counts(Data(edge_index=edges, num_nodes=8))
    assert degrees.tolist() == [1, 2, 3] and counts.tolist() == [5, 2, 1]


def test_degree_counts_of_the_grid():
    graph = grid_graph(4, 5, self_loops=False)
    degrees, counts = degree_counts(graph)
    # 4 corners, 2 (4 - 2) + 2 (5 - 2) border nodes, (4 - 2)(5 - 2) interior nodes
    assert degrees.tolist() == [2, 3, 4] and counts.tolist() == [4, 10, 6]
    # a self loop counts once: every degree goes up by one
    assert degree_counts(grid_graph(4, 5))[0].tolist() == [3, 4, 5]


@pytest.mark.parametrize("quick, ci, expected", [
    (None, None, False), (None, "true", True), ("0", "true", False), ("1", None, True),
])
def test_quick_mode_switch(monkeypatch, quick, ci, expected):
    for var, value in (("ENERGYGNN_QUICK", quick), ("CI", ci)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert config.quick_mode() is expected


def test_the_class_counts_written_down_are_the_datasets():
    from energygnn.data import PLANETOID_CLASSES

    for name, classes in PLANETOID_CLASSES.items():
        assert int(load_planetoid(name).y.max()) + 1 == classes


def test_block_model_graph_is_seeded_undirected_and_homophilous():
    graph = block_model_graph(2000, num_classes=4, average_degree=8, homophily=0.9, num_features=5, seed=3)
    again = block_model_graph(2000, num_classes=4, average_degree=8, homophily=0.9, num_features=5, seed=3)
    other = block_model_graph(2000, num_classes=4, average_degree=8, homophily=0.9, num_features=5, seed=4)
    for key in ("x", "y", "edge_index", "train_mask"):
        assert torch.equal(graph[key], again[key])
    assert not torch.equal(graph.edge_index, other.edge_index)
    assert is_undirected(graph.edge_index) and not (graph.edge_index[0] == graph.edge_index[1]).any()
    assert graph.edge_index.unique(dim=1).size(1) == graph.num_edges  # duplicates merged
    assert 7 < graph.num_edges / graph.num_nodes <= 8  # 4 draws a node, both directions, few repeats
    same_class = (graph.y[graph.edge_index[0]] == graph.y[graph.edge_index[1]]).float().mean()
    assert abs(float(same_class) - (0.9 + 0.1 / 4)) < 0.02  # in-block draws plus uniform draws that land in the block
    assert torch.bincount(graph.y).tolist() == [500] * 4
    masks = torch.stack([graph.train_mask, graph.val_mask, graph.test_mask])
    assert (masks.sum(0) == 1).all() and masks.sum(1).tolist() == [200, 200, 1600]
    # the features carry the class: class means lie closer to their own class's nodes
    means = torch.stack([graph.x[graph.y == k].mean(0) for k in range(4)])
    assert (torch.cdist(graph.x, means).argmin(1) == graph.y).float().mean() > 0.4  # chance: 0.25


def test_block_model_graph_refuses_bad_settings():
    with pytest.raises(ValueError, match="homophily must lie in"):
        block_model_graph(100, homophily=1.5)
    with pytest.raises(ValueError, match="num_classes .* cannot exceed"):
        block_model_graph(3, num_classes=5)
    with pytest.raises(ValueError, match="average_degree must be >= 2"):
        block_model_graph(100, average_degree=1)
    with pytest.raises(ValueError, match="train_fraction"):
        block_model_graph(100, train_fraction=0.6, val_fraction=0.5)
