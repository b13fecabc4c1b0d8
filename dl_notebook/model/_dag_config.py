"""The main settings of a placed layer, as the DAG view's details show them (private)."""

from __future__ import annotations

__all__ = ["layer_config"]

# Keras config keys that say nothing about what the layer computes, or repeat the node.
_SKIP = {"name", "trainable", "dtype", "batch_shape", "batch_input_shape", "sparse", "ragged",
         "optional", "data_format", "seed", "synchronized", "renorm", "renorm_clipping",
         "renorm_momentum"}
_MAX_ITEMS = 8  # longer lists (e.g. a Reshape's big target) are left out
_MAX_TEXT = 60


def _value(value):
    """A short JSON-ready form of a config value, or None to leave it out."""
    if isinstance(value, bool | int | str):
        return value if not isinstance(value, str) or len(value) <= _MAX_TEXT else None
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple) and len(value) <= _MAX_ITEMS:
        items = [_value(v) for v in value]
        if all(i is not None or v is None for i, v in zip(items, value)):
            return items
    return None  # dicts (initialisers, regularisers), long lists, objects


def _settings(layer) -> dict:
    try:
        config = layer.get_config()
    except Exception:  # an operation or a layer whose config cannot be serialised
        return {}
    out = {}
    for key, raw in config.items():
        if key in _SKIP or raw is None:
            continue
        value = _value(raw)
        if value is not None:
            out[key] = value
    return out


def layer_config(spec) -> dict:
    """The main settings of *spec*'s Keras layers (primary first), JSON-ready and small.

    Settings of helper layers (an activation or a dropout added after the primary
    layer) are added under their own type name, e.g. ``{"Dropout": {"rate": 0.5}}``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,), name="x"),
        ...                             dn.layers.Dense(3, act="relu", name="fc")])
        >>> config = layer_config(net["fc"])
        >>> config["units"], config["activation"]
        (3, 'relu')
    """
    layers = spec.keras_layers
    if not layers:
        return {}
    out = _settings(layers[0])
    for helper in layers[1:]:
        settings = _settings(helper)
        key = type(helper).__name__
        if settings and key not in out:
            out[key] = settings
    return out
