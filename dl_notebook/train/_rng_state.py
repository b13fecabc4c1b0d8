"""Capture and restore the state of a model's Keras ``SeedGenerator`` objects.

Random layers (Dropout, noise, random augmentation) draw from seed
generators whose state advances with each call. A checkpoint stores that
state, as lists of ints keyed so that a rebuilt or cloned model shares the
keys, plus Keras' global seed generator, so that a resumed run draws the
same dropout masks as an uninterrupted one.

Example:
    >>> import keras
    >>> from dl_notebook.train._rng_state import capture, restore
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dropout(0.5, seed=1, name="drop")])
    >>> state = capture(model)
    >>> sorted(k for k in state if k != "*global*")
    ['drop:0']
    >>> restore(model, state)
"""

from __future__ import annotations

__all__ = ["GLOBAL_RNG", "capture", "restore"]

GLOBAL_RNG = "*global*"  # the key of Keras' global seed generator


def _seed_generators(model) -> dict:
    """Every SeedGenerator of *model* by a key that a clone of the model shares."""
    found = {}

    def walk(layer, prefix):
        for i, gen in enumerate(getattr(layer, "_seed_generators", None) or []):
            found.setdefault(f"{prefix}:{i}", gen)
        for sub in getattr(layer, "_layers", None) or []:
            walk(sub, f"{prefix}/{sub.name}" if prefix else sub.name)

    walk(model, "")
    return found


def _global_seed_generator(create=False):
    try:
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator
    except ImportError:  # pragma: no cover - a Keras without these private modules
        return None
    if create:
        return seed_generator.global_seed_generator()
    return global_state.get_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR)


def capture(model) -> dict:
    """The states of *model*'s seed generators (and the global one), as JSON-ready lists."""
    import numpy as np

    state = {key: np.asarray(gen.state.numpy()).tolist()
             for key, gen in _seed_generators(model).items()}
    glob = _global_seed_generator()
    if glob is not None:
        state[GLOBAL_RNG] = np.asarray(glob.state.numpy()).tolist()
    return state


def restore(model, state) -> None:
    """Put the states :func:`capture` returned back into *model*'s seed generators.

    Keys that *model* does not have are skipped.
    """
    import numpy as np

    gens = _seed_generators(model)
    for key, value in state.items():
        gen = _global_seed_generator(create=True) if key == GLOBAL_RNG else gens.get(key)
        if gen is not None:
            gen.state.assign(np.asarray(value, dtype=gen.state.dtype))
