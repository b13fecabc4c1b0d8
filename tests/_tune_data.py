"""Code that kernels run before the tuning tests' searches: digits data and a small network.

``DIGITS_MLP`` binds ``train`` and ``valid`` (256 and 128 digits, pixels in 0..1) and
``make_net(p)``, a one-hidden-layer network of ``p["units"]`` units; ``dn`` is imported.
"""

DIGITS_MLP = """\
import dl_notebook as dn
from sklearn.datasets import load_digits

x, y = load_digits(return_X_y=True)
x = (x / 16).astype("float32")
train, valid = (x[:256], y[:256]), (x[256:384], y[256:384])


def make_net(p):
    return dn.Sequential(layers=[dn.layers.InputLayer(shape=(64,)),
                                 dn.layers.Dense(p["units"]), dn.layers.OutputLayer(10)])
"""
