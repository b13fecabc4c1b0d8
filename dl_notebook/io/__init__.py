"""Networks in and out of files that other runtimes read: export, the onnxruntime check, scoring.

- :mod:`.export`: ``net.export(path)`` to ONNX, ``.keras``, a SavedModel folder or
  ``.weights.h5``, with ONNX files checked against Keras in onnxruntime.
- :mod:`.score`: ``net.predict(data)`` and ``dn.score(path, data)``, one row per example.
- :mod:`.onnx_import`: an ONNX file read back as Keras layers (``dn.Network.from_onnx``).

The package works on Keras models and on anything with ``to_keras()``; it never
imports the network classes, which call it.
"""
