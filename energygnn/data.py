"""Datasets: the Planetoid citation graphs (offline first) and the 2-D grid of the oversmoothing figures."""
from __future__ import annotations

import hashlib
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import torch
from torch_geometric.data import Data

from .config import default_data_root, default_raw_mirror

PLANETOID_NAMES = ("Cora", "CiteSeer", "PubMed")
PLANETOID_CLASSES = {"Cora": 7, "CiteSeer": 6, "PubMed": 3}  # what a result file needs without the data
_RAW_SUFFIXES = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")

# SHA-256 of the raw files published by kimiyoung/planetoid (what PyG downloads); the offline
# mirror's SHA256SUMS lists the same values (checked by tests/test_data.py).
RAW_SHA256 = {
    "ind.citeseer.allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
    "ind.citeseer.ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
    "ind.citeseer.graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
    "ind.citeseer.test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
    "ind.citeseer.tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
    "ind.citeseer.ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
    "ind.citeseer.x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
    "ind.citeseer.y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
    "ind.cora.allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
    "ind.cora.ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
    "ind.cora.graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
    "ind.cora.test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
    "ind.cora.tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
    "ind.cora.ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
    "ind.cora.x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
    "ind.cora.y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    "ind.pubmed.allx": "508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e",
    "ind.pubmed.ally": "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
    "ind.pubmed.graph": "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
    "ind.pubmed.test.index": "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
    "ind.pubmed.tx": "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
    "ind.pubmed.ty": "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
    "ind.pubmed.x": "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
    "ind.pubmed.y": "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
}


class DatasetError(RuntimeError):
    """A dataset could not be loaded; the message says which files and what to do."""


def canonical_planetoid_name(name: str) -> str:
    """``'cora'`` -> ``'Cora'``; raises ``ValueError`` listing the valid names otherwise."""
    if isinstance(name, str):
        for valid in PLANETOID_NAMES:
            if name.strip().lower() == valid.lower():
                return valid
    raise ValueError(
        f"Unknown Planetoid dataset {name!r}; valid names (case-insensitive): "
        f"{', '.join(PLANETOID_NAMES)}."
    )


def raw_file_names(name: str) -> list[str]:
    """The eight ``ind.<name>.*`` files PyG's Planetoid reads for dataset ``name``."""
    stem = canonical_planetoid_name(name).lower()
    return [f"ind.{stem}.{suffix}" for suffix in _RAW_SUFFIXES]


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_raw_files(raw_dir: Path, files: list[str]) -> None:
    """Raise :class:`DatasetError` naming every file whose SHA-256 is not the published one."""
    bad = []
    for file in files:
        actual = sha256_file(raw_dir / file)
        if actual != RAW_SHA256[file]:
            bad.append(f"{raw_dir / file} (sha256 {actual[:12]}..., expected {RAW_SHA256[file][:12]}...)")
    if bad:
        raise DatasetError(
            "Corrupted Planetoid raw file(s): " + "; ".join(bad)
            + ". Delete them and load again to fetch fresh copies."
        )


def _copy_from_mirror(mirror_raw: Path, raw_dir: Path, files: list[str]) -> None:
    """Copy checked raw files into ``raw_dir`` atomically (a temp file, then a rename)."""
    verify_raw_files(mirror_raw, files)
    raw_dir.mkdir(parents=True, exist_ok=True)
    for file in files:
        target = raw_dir / file
        if target.exists():
            continue
        fd, tmp = tempfile.mkstemp(dir=raw_dir, prefix=f".{file}.", suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(mirror_raw / file, tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def load_planetoid(name: str, root: str | os.PathLike | None = None,
                   mirror: str | os.PathLike | None = None) -> Data:
    r"""Load Cora, CiteSeer or PubMed with the public split of Yang et al. (2016).

    Goes through :class:`torch_geometric.datasets.Planetoid`, offline first: when the raw files are
    missing under ``root`` and a mirror folder holds them (laid out as ``<Name>/raw/``), they are
    copied after their SHA-256 is checked (the mirror is never written to); otherwise PyG downloads
    them.

    Args:
        name (str): ``"Cora"``, ``"CiteSeer"`` or ``"PubMed"`` (case-insensitive).
        root (path, optional): data folder; default ``$ENERGYGNN_DATA``, else ``data/`` in the
            source checkout, else ``./data``.
        mirror (path, optional): offline copy of the raw files; default
            ``$ENERGYGNN_RAW_MIRROR``, else ``../shared/data/planetoid`` beside the checkout.

    Returns:
        torch_geometric.data.Data: ``x`` [n, f], ``edge_index`` [2, m] (both directions), ``y`` [n],
        ``train_mask``/``val_mask``/``test_mask`` [n].

    Raises:
        ValueError: unknown ``name``.
        DatasetError: raw files corrupted, or missing with no mirror and no download possible.
    """
    from torch_geometric.datasets import Planetoid

    canonical = canonical_planetoid_name(name)
    root = Path(root).expanduser() if root is not None else default_data_root()
    mirror = Path(mirror).expanduser() if mirror is not None else default_raw_mirror()
    # parallel sweeps start several processes at once: one of them copies and processes the files
    with _exclusive(root / f".{canonical}.lock"):
        return _load_planetoid(canonical, root, mirror, Planetoid)


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    """Hold an exclusive lock on ``lock_path`` (released by the operating system if the holder dies)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_planetoid(canonical: str, root: Path, mirror: Path | None, Planetoid) -> Data:
    files = raw_file_names(canonical)
    raw_dir = root / canonical / "raw"
    processed = root / canonical / "processed" / "data.pt"

    missing = [f for f in files if not (raw_dir / f).is_file()]
    if missing and mirror is not None and all((mirror / canonical / "raw" / f).is_file() for f in missing):
        _copy_from_mirror(mirror / canonical / "raw", raw_dir, missing)
        missing = []
    if not missing and not processed.is_file():
        verify_raw_files(raw_dir, files)  # before PyG unpickles them

    try:
        dataset = Planetoid(str(root), canonical, split="public")
    except DatasetError:
        raise
    except Exception as error:  # network failure, unreadable file, ...
        still_missing = [f for f in files if not (raw_dir / f).is_file()]
        if still_missing:
            raise DatasetError(
                f"Could not load {canonical}: raw file(s) {', '.join(still_missing)} are missing from "
                f"{raw_dir} and could not be downloaded ({type(error).__name__}: {error}). Put the "
                f"Planetoid files there, or point $ENERGYGNN_RAW_MIRROR at a folder holding "
                f"{canonical}/raw/ with them."
            ) from None
        raise DatasetError(
            f"Could not process {canonical} from {raw_dir} ({type(error).__name__}: {error}). "
            f"Delete {root / canonical} and load again."
        ) from error
    return dataset[0]


def grid_graph(rows: int = 10, cols: int = 10, num_features: int = 1, self_loops: bool = True,
               generator: torch.Generator | None = None) -> Data:
    r"""The 2-D grid of Rusch et al. (2023) used for the oversmoothing figures.

    Node ``r * cols + c`` sits at row ``r``, column ``c`` and is joined to its 4 neighbours (each
    undirected edge listed in both directions); features are drawn from :math:`U[0, 1)`.

    Args:
        rows (int, optional): grid height (default: ``10``).
        cols (int, optional): grid width (default: ``10``).
        num_features (int, optional): feature width (default: ``1``).
        self_loops (bool, optional): append an ``(i, i)`` edge per node (default: ``True``).
        generator (torch.Generator, optional): source of the random features.

    Shapes:
        ``x`` [rows * cols, num_features]; ``edge_index`` [2, 2 (rows (cols-1) + cols (rows-1))],
        plus ``rows * cols`` self loops; ``pos`` [rows * cols, 2] as (column, row).
    """
    for label, value in (("rows", rows), ("cols", cols), ("num_features", num_features)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"grid_graph: {label} must be a positive integer, got {value!r}.")
    index = torch.arange(rows * cols).view(rows, cols)
    horizontal = torch.stack([index[:, :-1].reshape(-1), index[:, 1:].reshape(-1)])
    vertical = torch.stack([index[:-1, :].reshape(-1), index[1:, :].reshape(-1)])
    one_way = torch.cat([horizontal, vertical], dim=1)
    edge_index = torch.cat([one_way, one_way.flip(0)], dim=1)
    if self_loops:
        loops = torch.arange(rows * cols).repeat(2, 1)
        edge_index = torch.cat([edge_index, loops], dim=1)
    x = torch.rand(rows * cols, num_features, generator=generator)
    row, col = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    pos = torch.stack([col.reshape(-1), row.reshape(-1)], dim=1).float()
    return Data(x=x, edge_index=edge_index, pos=pos)


def random_sparse_graph(num_nodes: int, average_degree: float = 10.0,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    r"""A random symmetric graph with about ``average_degree`` neighbours per node, in O(n d log(n d)).

    Every node draws ``average_degree / 2`` random partners; self pairs and duplicates are dropped
    and the edges are made undirected (sorted by row, as PyG's ``coalesce`` leaves them).

    Returns:
        Tensor: ``edge_index`` [2, m] with m close to ``num_nodes * average_degree``.
    """
    from torch_geometric.utils import to_undirected

    if num_nodes < 2 or average_degree <= 0:
        raise ValueError("random_sparse_graph: need num_nodes >= 2 and average_degree > 0, "
                         f"got {num_nodes} and {average_degree}.")
    draws = max(1, round(average_degree / 2))
    source = torch.arange(num_nodes).repeat_interleave(draws)
    target = torch.randint(0, num_nodes, (source.numel(),), generator=generator)
    keep = source != target
    return to_undirected(torch.stack([source[keep], target[keep]]), num_nodes=num_nodes)


def block_model_graph(num_nodes: int, num_classes: int = 8, average_degree: float = 10.0,
                      homophily: float = 0.8, num_features: int = 64, feature_signal: float = 0.5,
                      train_fraction: float = 0.1, val_fraction: float = 0.1, seed: int = 0) -> Data:
    r"""A labelled block-model graph of any size, drawn edge by edge from ``seed``: a node
    classification dataset without downloads, for graphs too large for PyG's
    ``stochastic_blockmodel_graph`` (which enumerates all :math:`n(n-1)/2` pairs).

    Every node :math:`i` belongs to block (class) :math:`y_i`, about :math:`n / K` nodes per block.
    It draws ``average_degree / 2`` partners on average (the integer part, plus one more with
    probability the fraction): with probability :math:`h` (``homophily``) uniformly from its own
    block, otherwise uniformly from all nodes. Self pairs are dropped and every edge is listed in
    both directions, so the mean degree is close to ``average_degree`` and a fraction of about
    :math:`h + (1 - h)/K` of the edges join nodes of the same class. Features are
    :math:`x_i = s\,\mu_{y_i} + \varepsilon_i` with class means :math:`\mu_k \sim \mathcal N(0, I)` and
    :math:`\varepsilon_i \sim \mathcal N(0, I)` (:math:`s` = ``feature_signal``). A random
    ``train_fraction`` / ``val_fraction`` of the nodes are the training / validation nodes, the
    rest the test nodes. The draws take :math:`O(n + m)` time and memory; merging duplicate edges
    (PyG's ``coalesce``) sorts the :math:`m` edges once, :math:`O(m \log m)`.

    Args:
        num_nodes (int): :math:`n \ge 2`.
        num_classes (int, optional): :math:`K` (default: ``8``).
        average_degree (float, optional): mean degree, at least 2 (default: ``10.0``).
        homophily (float, optional): probability that a draw stays in the node's block (default: ``0.8``).
        num_features (int, optional): feature width (default: ``64``).
        feature_signal (float, optional): :math:`s`, how far apart the class means are against the noise
            (default: ``0.5``).
        train_fraction (float, optional): share of training nodes (default: ``0.1``).
        val_fraction (float, optional): share of validation nodes (default: ``0.1``).
        seed (int, optional): the same seed gives the same graph (default: ``0``).

    Shapes:
        ``x`` [n, num_features], ``y`` [n], ``edge_index`` [2, m] (sorted by row), masks [n].
    """
    from torch_geometric.utils import coalesce

    for label, value, smallest in (("num_nodes", num_nodes, 2), ("num_classes", num_classes, 1),
                                   ("num_features", num_features, 1)):
        if not isinstance(value, int) or value < smallest:
            raise ValueError(f"block_model_graph: {label} must be an integer >= {smallest}, got {value!r}.")
    if num_classes > num_nodes:
        raise ValueError(f"block_model_graph: num_classes ({num_classes}) cannot exceed num_nodes ({num_nodes}).")
    if not average_degree >= 2:
        raise ValueError(f"block_model_graph: average_degree must be >= 2, got {average_degree}.")
    if not 0 <= homophily <= 1:
        raise ValueError(f"block_model_graph: homophily must lie in [0, 1], got {homophily}.")
    if not (train_fraction > 0 and val_fraction >= 0 and train_fraction + val_fraction < 1):
        raise ValueError("block_model_graph: need train_fraction > 0, val_fraction >= 0 and their sum < 1, "
                         f"got {train_fraction} and {val_fraction}.")
    generator = torch.Generator().manual_seed(seed)
    # block k holds the nodes k, k + K, k + 2K, ... before a random relabelling, so a partner in
    # the same block is one draw, k + K * u with u < (size of block k)
    block = torch.arange(num_nodes) % num_classes
    block_size = (num_nodes - torch.arange(num_classes) + num_classes - 1) // num_classes
    half = average_degree / 2
    draws = int(half) + (torch.rand(num_nodes, generator=generator) < half - int(half)).long()
    source = torch.arange(num_nodes).repeat_interleave(draws)
    same = torch.rand(source.numel(), generator=generator) < homophily
    uniform = torch.rand(source.numel(), generator=generator, dtype=torch.float64)
    in_block = block[source] + num_classes * (uniform * block_size[block[source]]).long()
    anywhere = (uniform * num_nodes).long()
    target = torch.where(same, in_block, anywhere)
    keep = source != target
    relabel = torch.randperm(num_nodes, generator=generator)
    source, target = relabel[source[keep]], relabel[target[keep]]
    edge_index = coalesce(torch.cat([torch.stack([source, target]), torch.stack([target, source])], dim=1),
                          num_nodes=num_nodes)
    y = torch.empty(num_nodes, dtype=torch.long)
    y[relabel] = block
    means = torch.randn(num_classes, num_features, generator=generator)
    x = feature_signal * means[y] + torch.randn(num_nodes, num_features, generator=generator)
    order = torch.randperm(num_nodes, generator=generator)
    train_end = max(1, round(train_fraction * num_nodes))
    val_end = train_end + round(val_fraction * num_nodes)
    masks = {}
    for name, nodes in (("train_mask", order[:train_end]), ("val_mask", order[train_end:val_end]),
                        ("test_mask", order[val_end:])):
        masks[name] = torch.zeros(num_nodes, dtype=torch.bool)
        masks[name][nodes] = True
    return Data(x=x, y=y, edge_index=edge_index, num_nodes=num_nodes, **masks)


def degree_counts(data: Data) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The degree distribution of a graph: every degree that occurs, and how many nodes have it.

    The degree :math:`d_i` of node :math:`i` is the number of entries of ``edge_index[0]`` equal to
    :math:`i` (each undirected edge listed in both directions counts once per end; a self loop
    counts once), as :func:`torch_geometric.utils.degree` computes it. Every degree held by at
    least one node is returned, the smallest included: :math:`0` when the graph has isolated
    nodes, which a log-log plot cannot show (:math:`\log 0` is undefined), so callers plotting on
    log axes should report them separately.

    Args:
        data (Data): a graph with ``edge_index`` [2, m] and ``num_nodes``.

    Returns:
        tuple[Tensor, Tensor]: ``degrees`` (ascending) and ``counts``, both [k] integer tensors,
        with ``counts.sum() == data.num_nodes``.

    Shapes:
        **edge_index** [2, m] -> [k], [k] with :math:`k` the number of distinct degrees
    """
    from torch_geometric.utils import degree

    counts = torch.bincount(degree(data.edge_index[0], data.num_nodes, dtype=torch.long))
    degrees = counts.nonzero().squeeze(1)
    return degrees, counts[degrees]
