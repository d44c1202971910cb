"""Does the heatmap sit on the lesion? Hand-marked lesion cells and two checks against them (numpy only).

The kit has class labels, not tumour outlines, so ``lesion_marks.json`` holds lesion cells marked by hand on an
8 x 8 grid over the 128-px model input of a few kit tumour slices: training slices for ``train.py``'s
lesion-focus loss, validation and test slices for two checks of the app's heatmap:
- **pointing**: does the map's strongest cell (the map averaged over the grid) fall in a marked cell, or
  within one cell of one? A map that always points at the middle of the head is the baseline to beat.
- **deletion**: how much does the true class's probability drop when the marked cells are replaced by a
  local blur of the slice, against as many random cells inside the head? It asks the model itself whether it
  needs the lesion, whatever map is drawn.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROWS = "ABCDEFGH"


def load_marks(path: Path, side: str) -> dict[str, np.ndarray]:
    """Kit path -> (grid, grid) boolean mask of the marked cells, for one side ("train", "val" or "test")."""
    raw = json.loads(Path(path).read_text())
    return {kit_path: cells_mask(cells, raw["grid"]) for kit_path, cells in raw[side].items()}


def cells_mask(cells: str, grid: int = 8) -> np.ndarray:
    """ "C4 D5" -> a (grid, grid) mask with row C column 4 and row D column 5 set (columns count from 1)."""
    mask = np.zeros((grid, grid), dtype=bool)
    for cell in cells.split():
        mask[ROWS.index(cell[0].upper()), int(cell[1:]) - 1] = True
    return mask


def grid_mean(image: np.ndarray, grid: int) -> np.ndarray:
    """(H, W) -> (grid, grid): the mean of each cell (H and W multiples of grid, as the 128-px model input)."""
    h, w = image.shape
    return image.reshape(grid, h // grid, grid, w // grid).mean(axis=(1, 3))


def grow(mask: np.ndarray) -> np.ndarray:
    """The mask and its 8 neighbouring cells."""
    padded = np.pad(mask, 1)
    h, w = mask.shape
    return np.any([padded[i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=0)


def pointing(cam: np.ndarray, mask: np.ndarray) -> tuple[bool, bool]:
    """(strongest cell of the map is marked, strongest cell is marked or next to a marked cell)."""
    cells = grid_mean(cam, mask.shape[0])
    peak = np.unravel_index(int(cells.argmax()), cells.shape)
    return bool(mask[peak]), bool(grow(mask)[peak])


def head_centre_map(x: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The baseline map: a single point in the middle of the head's box (top, bottom, left, right)."""
    top, bottom, left, right = box
    cam = np.zeros_like(x, dtype=np.float32)
    cam[(top + bottom) // 2, (left + right) // 2] = 1.0
    return cam


def local_blur(x: np.ndarray, radius: int = 24) -> np.ndarray:
    """A box blur of the slice (edges reflected): what the slice looks like without the detail of a cell."""
    k = 2 * radius + 1
    padded = np.pad(x.astype(np.float64), radius, mode="reflect")
    summed = padded.cumsum(0).cumsum(1)
    summed = np.pad(summed, ((1, 0), (1, 0)))
    total = summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]
    return (total / (k * k)).astype(np.float32)


def fill_cells(x: np.ndarray, mask: np.ndarray, blurred: np.ndarray | None = None) -> np.ndarray:
    """The slice with the cells of ``mask`` replaced by its local blur."""
    grid = mask.shape[0]
    big = np.kron(mask, np.ones((x.shape[0] // grid, x.shape[1] // grid), dtype=bool))
    out = x.copy()
    out[big] = (local_blur(x) if blurred is None else blurred)[big]
    return out


def random_head_cells(
    head: np.ndarray, avoid: np.ndarray, n: int, rng: np.random.Generator, draws: int = 5
) -> list[np.ndarray]:
    """``draws`` masks of n random cells inside ``head`` (a cell mask) and outside ``avoid``."""
    candidates = np.flatnonzero((head & ~avoid).ravel())
    n = min(n, len(candidates))
    out = []
    for _ in range(draws):
        mask = np.zeros(head.size, dtype=bool)
        mask[rng.choice(candidates, n, replace=False)] = True
        out.append(mask.reshape(head.shape))
    return out


def head_cells(box: tuple[int, int, int, int], size: int, grid: int = 8) -> np.ndarray:
    """The grid cells that overlap the head's box (top, bottom, left, right) on a size x size input."""
    top, bottom, left, right = box
    cell = size // grid
    mask = np.zeros((grid, grid), dtype=bool)
    mask[top // cell : -(-bottom // cell), left // cell : -(-right // cell)] = True
    return mask
