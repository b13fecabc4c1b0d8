"""%dl export and %dl score in a real IPython shell: the printed check line, the bound table."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

import dl_notebook as dn

from conftest import ipython_shell, run_cell


def test_export_prints_the_check_and_score_binds_the_table(tmp_path):
    ip = ipython_shell()
    d = load_digits()
    ip.user_ns["lenet"] = dn.applications.LeNet5(n_classes=10, input_shape=(8, 8, 1))
    ip.user_ns["digits_test"] = dn.ImageDataset.from_arrays(d.images[:40] * 16, d.target[:40],
                                                            normalize=None)
    result, output = run_cell(ip, f"%dl export lenet {tmp_path}/lenet.onnx")
    assert result.success, output
    assert output.startswith("lenet -> onnx 'lenet.onnx'") and "max |onnxruntime - keras|" in output
    result, output = run_cell(ip, f"%dl score {tmp_path}/lenet.onnx digits_test")
    assert result.success, output
    table = ip.user_ns["lenet_scores"]
    assert result.result is table and len(table) == 40 and table.columns[0] == "predicted"
    np.testing.assert_allclose(table.filter(like="P_").sum(axis=1), 1.0, atol=1e-5)
    result, output = run_cell(ip, f"%dl score {tmp_path}/absent.onnx digits_test")
    assert not result.success and "no file" in output and "Traceback" not in output
