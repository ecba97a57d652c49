"""Masks: which keys each query may look at (lesson 04).

Convention, as in PyTorch's ``scaled_dot_product_attention``: a mask is a
boolean array and **True means "may attend"**. Blocked scores become ``-inf``
before the softmax, so their weights are exactly 0.
"""
from __future__ import annotations

import numpy as np

from ._validate import whole_number


def causal_mask(n_q, n_k=None):
    """Causal mask: a query may attend to its own position and earlier ones.

    Query ``i`` sits at absolute position ``n_k - n_q + i``: with ``n_k > n_q``
    the queries are the newest tokens after a cache of ``n_k - n_q`` earlier ones.

    Parameters
    ----------
    n_q : int
        Number of queries.
    n_k : int, optional
        Number of keys (default ``n_q``); must be at least ``n_q``.

    Returns
    -------
    mask : ndarray of bool, (n_q, n_k)
        ``mask[i, j]`` is True when ``j <= n_k - n_q + i``.
    """
    n_q = whole_number(n_q, "n_q")
    n_k = n_q if n_k is None else whole_number(n_k, "n_k")
    if n_k < n_q:
        raise ValueError(
            f"causal_mask needs n_k >= n_q (the queries are the last n_q of the n_k positions), "
            f"got n_q={n_q}, n_k={n_k}"
        )
    return np.tri(n_q, n_k, k=n_k - n_q, dtype=bool)     # (n_q, n_k)


def padding_mask(lengths, n_k, *, side="right"):
    """Padding mask: in sequence ``b`` only ``lengths[b]`` of the ``n_k`` keys are real.

    Parameters
    ----------
    lengths : array_like of int, (B,)
        True length of each sequence, between 0 and ``n_k``.
    n_k : int
        Padded length (number of keys).
    side : {"right", "left"}
        Where the padding sits. ``"right"`` (the default): the real keys come first,
        ``j < lengths[b]``. ``"left"``, as batched generation pads prompts: the real
        keys come last, ``j >= n_k - lengths[b]``.

    Returns
    -------
    mask : ndarray of bool, (B, 1, n_k)
        The size-1 axis broadcasts over queries: padding hides keys, never queries.
    """
    n_k = whole_number(n_k, "n_k")
    if side not in ("right", "left"):
        raise ValueError(f'side must be "right" or "left" (where the padding sits), got {side!r}')
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu" or lengths.ndim != 1:
        raise TypeError(f"lengths must be a 1-D array of whole numbers, got {lengths.dtype} of shape {lengths.shape}")
    if np.any(lengths < 0) or np.any(lengths > n_k):
        raise ValueError(f"every length must be between 0 and n_k={n_k}, got {lengths.tolist()}")
    positions = np.arange(n_k)                           # (n_k,)
    if side == "left":
        real = positions[None, :] >= n_k - lengths[:, None]      # (B, n_k)
    else:
        real = positions[None, :] < lengths[:, None]             # (B, n_k)
    return real[:, None, :]                              # (B, 1, n_k)


def combine_masks(*masks):
    """Combine masks: a key is allowed only where every mask allows it.

    Parameters
    ----------
    *masks : bool arrays or None
        Broadcastable to each other; ``None`` entries are skipped.

    Returns
    -------
    mask : ndarray of bool or None
        The broadcast logical AND, or None if no mask was given.
    """
    given = [m for m in masks if m is not None]
    for i, m in enumerate(given):
        _require_bool(np.asarray(m), f"mask {i}")
    if not given:
        return None
    try:
        shape = np.broadcast_shapes(*(np.shape(m) for m in given))
    except ValueError:
        shapes = ", ".join(str(np.shape(m)) for m in given)
        raise ValueError(f"masks of shapes {shapes} cannot be combined: they do not broadcast") from None
    out = np.ones(shape, dtype=bool)
    for m in given:
        out &= np.asarray(m)
    return out


def additive_mask(mask, dtype=np.float64):
    """Turn a boolean mask into the additive form: 0 where allowed, ``-inf`` where blocked.

    Parameters
    ----------
    mask : bool array, any shape

    Returns
    -------
    ndarray of ``dtype``, same shape
        Add it to the scores before the softmax.
    """
    mask = np.asarray(mask)
    _require_bool(mask, "mask")
    return np.where(mask, 0.0, -np.inf).astype(dtype)


def _require_bool(mask: np.ndarray, name: str) -> None:
    if mask.dtype != bool:
        raise TypeError(
            f"{name} must be boolean with True = may attend, got dtype {mask.dtype}. "
            "If yours is 0/1 with 1 = keep, use mask.astype(bool); "
            "if 1 means blocked, use mask == 0; if it is 0/-inf, use mask == 0."
        )


def validate_mask(mask, scores_shape):
    """Validate that ``mask`` lines up with scores of ``scores_shape`` and return it as a bool array.

    A mask may have 2 axes ``(n_q, n_k)``, shared by every batch and head, or
    exactly as many axes as the scores, each of size 1 or the scores' size.
    Anything in between is refused, because right-aligned broadcasting would
    line its batch axis up with the wrong axis (the mask-leak bug).

    Parameters
    ----------
    mask : bool array
    scores_shape : tuple of int, (..., n_q, n_k)

    Returns
    -------
    mask : ndarray of bool

    Raises
    ------
    TypeError
        If the mask is not boolean.
    ValueError
        If it cannot broadcast to ``scores_shape``, or would broadcast along the wrong axis.
    """
    mask = np.asarray(mask)
    _require_bool(mask, "mask")
    scores_shape = tuple(scores_shape)
    n_q, n_k = scores_shape[-2:]
    batch = scores_shape[:-2]
    where = f"mask of shape {mask.shape} cannot mask scores of shape {scores_shape}"
    if mask.ndim < 2:
        raise ValueError(f"{where}: a mask needs at least 2 axes (n_q, n_k); a key mask is (1, n_k)")
    if mask.ndim > len(scores_shape):
        raise ValueError(f"{where}: the mask has more axes than the scores")
    if 2 < mask.ndim < len(scores_shape):
        full = (mask.shape[0],) + (1,) * (len(scores_shape) - mask.ndim) + mask.shape[1:]
        raise ValueError(
            f"{where}: its first axis would line up with axis {len(scores_shape) - mask.ndim} "
            f"of the scores, not the batch. Give it {len(scores_shape)} axes, e.g. shape {full} "
            "(mask[:, None] inserts the head axis)"
        )
    if mask.ndim == 2 and batch and mask.shape[0] not in (1, n_q) and mask.shape[0] == batch[0]:
        raise ValueError(
            f"{where}: this looks like a (B, n_k) padding mask, which would line B up with the "
            f"query axis. A padding mask needs shape ({batch[0]}, "
            + "1, " * (len(scores_shape) - 2) + f"{n_k}) here"
        )
    pairs = zip(mask.shape[::-1], scores_shape[::-1], strict=False)      # the mask may have fewer axes
    for axis, (m, s) in enumerate(pairs):
        if m not in (1, s):
            names = ["n_k (keys)", "n_q (queries)"]
            label = names[axis] if axis < 2 else f"batch axis {len(scores_shape) - 1 - axis}"
            raise ValueError(f"{where}: along {label} the mask has size {m} but the scores have {s}")
    return mask


def apply_mask(scores, mask):
    """Set blocked scores to ``-inf``.

    Parameters
    ----------
    scores : ndarray, (..., n_q, n_k)
    mask : bool array, see :func:`validate_mask`; True = may attend.

    Returns
    -------
    ndarray, (..., n_q, n_k), same dtype as ``scores``
    """
    mask = validate_mask(mask, np.shape(scores))
    return np.where(mask, scores, -np.inf).astype(scores.dtype, copy=False)   # (..., n_q, n_k)
