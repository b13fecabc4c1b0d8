"""Keras layers that Keras lacks and our specs need; registered so saved models load."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="dl_notebook")
class ReverseChannels(keras.layers.Layer):
    """Reverse the channel axis: RGB images become BGR (Caffe-trained weights expect BGR)."""

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape
