"""The layer table of a network (DLPy ``print_summary``) as a pandas DataFrame."""

from __future__ import annotations

import math

from .flops import layer_flops

__all__ = ["summary_table"]

COLUMNS = ["Layer Id", "Layer", "Type", "Kernel Size", "Stride", "Activation", "Output Size",
           "Number of Parameters", "FLOPs", "Trainable"]


def _tuple(value):
    if value is None:
        return None
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _trainable_params(net) -> int:
    return sum(math.prod(w.shape) for layer in net.keras_layers
               for w in layer.trainable_weights)


def _geometry(spec):
    """Kernel size and stride of the spec's primary Keras layer, as tuples (or None)."""
    try:
        cfg = spec.keras_layer.get_config()
    except Exception:
        return None, None
    kernel = cfg.get("kernel_size") or cfg.get("pool_size")
    stride = cfg.get("strides")
    return _tuple(kernel), _tuple(stride)


def summary_table(net):
    """One row per layer and a Total row; totals also in ``df.attrs``.

    FLOPs are for one sample, a multiply-add counting two.
    """
    import pandas as pd

    rows = []
    for i, spec in enumerate(net):
        kernel, stride = _geometry(spec)
        flops = sum(layer_flops(layer, ins, out) for layer, ins, out in spec._trace)
        shape = spec.output_shape
        rows.append({
            "Layer Id": i,
            "Layer": spec.name,
            "Type": spec.type_name,
            "Kernel Size": kernel,
            "Stride": stride,
            "Activation": spec.activation,
            "Output Size": tuple(shape[1:]) if shape is not None else None,
            "Number of Parameters": spec.count_params(),
            "FLOPs": flops,
            "Trainable": spec.trainable,
        })
    df = pd.DataFrame(rows, columns=COLUMNS)
    total_params = net.count_params()  # a shared Keras layer counts once
    trainable = _trainable_params(net)
    total = {c: None for c in COLUMNS}
    total.update({"Layer": "Total", "Number of Parameters": total_params,
                  "FLOPs": int(df["FLOPs"].sum())})
    df = pd.concat([df, pd.DataFrame([total], columns=COLUMNS)], ignore_index=True)
    df = df.astype({"Number of Parameters": "int64", "FLOPs": "int64"})
    for col in ("Layer Id", "Type", "Kernel Size", "Stride", "Activation", "Output Size",
                "Trainable"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    df.attrs.update(total_params=total_params, trainable_params=trainable,
                    non_trainable_params=total_params - trainable, flops=int(total["FLOPs"]))
    return df
