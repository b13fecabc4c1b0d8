"""Layer specs with DLPy names and Keras underneath (``dn.layers``).

Any ``keras.layers.Layer`` may also be added to a network as it is.
"""

from .base import KerasLayer, Layer
from .conv import BN, Conv1d, Conv2d, Conv2DTranspose, GlobalAveragePooling2D, Pooling, UpSampling2D
from .core import Dense, Dropout, Embedding, Flatten, InputLayer, OutputLayer, Reshape
from .merge import Concat, Res
from .recurrent import Recurrent

FullyConnected = Dense  # DLPy name

__all__ = [
    "Layer", "KerasLayer", "InputLayer", "Conv2d", "Conv1d", "Conv2DTranspose", "Pooling",
    "GlobalAveragePooling2D", "UpSampling2D", "BN", "Dense", "FullyConnected", "OutputLayer",
    "Dropout", "Flatten", "Reshape", "Embedding", "Res", "Concat", "Recurrent",
]
