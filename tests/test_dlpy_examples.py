"""DLPy's example notebooks, call by call, on dl_notebook.dlpy.

Each snippet is a DLPy call as the example notebooks of python-dlpy write it
(image classification, pre-trained models, functional API, learning-rate
policies, tabular data, time series, text, Keras and ONNX import), with only
``dlpy`` made ``dl_notebook.dlpy`` and ``s = swat.CAS(...)`` made
``s = connect()``; data are small and local (scikit-learn's digits as an
image folder, the breast-cancer table, a sine curve, a few sentences),
sizes are small and training runs one or two epochs. The snippets of one
notebook run in order in one namespace, as cells do. A call that cannot
work without a SAS server is listed in ``EXPECTED_FAILURES`` with the
reason; every other call must pass, and the pass rate must reach 90 %.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

IMPORTS = """
import numpy as np
import pandas as pd
from dl_notebook.dlpy import connect, Sequential, Model, Input
from dl_notebook.dlpy.images import ImageTable
from dl_notebook.dlpy.splitting import two_way_split, three_way_split
from dl_notebook.dlpy.layers import *
from dl_notebook.dlpy.blocks import ResBlockBN, ResBlock_Caffe, DenseNetBlock, Bidirectional
from dl_notebook.dlpy.model import (Optimizer, VanillaSolver, MomentumSolver, AdamSolver,
                                    LBFGSolver, Gpu, Sequence, TextParms)
from dl_notebook.dlpy.lr_scheduler import (FixedLR, StepLR, MultiStepLR, PolynomialLR,
                                           ReduceLROnPlateau, CyclicLR, FCMPLR)
from dl_notebook.dlpy.applications import (LeNet5, ResNet18_Caffe, VGG16, MobileNetV1,
                                           TextClassification)
from dl_notebook.dlpy.metrics import (accuracy_score, confusion_matrix, plot_roc,
                                      plot_precision_recall, roc_auc_score, f1_score,
                                      average_precision_score, mean_squared_error,
                                      mean_absolute_error, r2_score)
from dl_notebook.dlpy.timeseries import TimeseriesTable, plot_timeseries
s = connect()
"""

NOTEBOOKS = {
    "image_classification": [
        ("load_files", "my_images = ImageTable.load_files(s, path=folder)"),
        ("head", "my_images.head()"),
        ("label_freq", "my_images.label_freq"),
        ("image_summary", "my_images.image_summary"),
        ("channel_means", "my_images.channel_means"),
        ("show", "my_images.show(nimages=8, ncol=4)"),
        ("resize", "my_images.resize(width=16, height=16)"),
        ("shuffle", "my_images.shuffle()"),
        ("two_way_split", "tr_img, te_img = two_way_split(my_images, test_rate=20, seed=123)"),
        ("split_label_freq", "tr_img.label_freq"),
        ("sequential", "model1 = Sequential(s, model_table='Simple_CNN')"),
        ("input_layer", "model1.add(InputLayer(3, 16, 16, offsets=tr_img.channel_means))"),
        ("conv2d", "model1.add(Conv2d(8, 3))"),
        ("pooling", "model1.add(Pooling(2))"),
        ("conv2d_act", "model1.add(Conv2d(8, 3, act='relu'))"),
        ("pooling_mean", "model1.add(Pooling(2, pool='mean'))"),
        ("dense", "model1.add(Dense(16))"),
        ("output_layer", "model1.add(OutputLayer(act='softmax', n=3))"),
        ("print_summary", "model1.print_summary()"),
        ("plot_network", "model1.plot_network()"),
        ("fit_keywords", "model1.fit(data=tr_img, mini_batch_size=16, max_epochs=1, lr=0.01, "
                         "log_level=0)"),
        ("training_history", "model1.training_history"),
        ("plot_training_history", "model1.plot_training_history()"),
        ("evaluate", "model1.evaluate(te_img)"),
        ("valid_conf_mat", "model1.valid_conf_mat"),
        ("valid_score", "model1.valid_score"),
        ("plot_evaluate_res_c", "model1.plot_evaluate_res(img_type='C')"),
        ("plot_evaluate_res_m", "model1.plot_evaluate_res(img_type='M')"),
        ("heat_map_analysis", "model1.heat_map_analysis(img_type='A', max_display=2)"),
        ("get_feature_maps", "model1.get_feature_maps(data=te_img, idx=1)"),
        ("feature_maps_display", "model1.feature_maps.display(layer_id=1)"),
        ("get_features", "x, y = model1.get_features(data=te_img, dense_layer='fc1')"),
        ("momentum_solver", "solver = MomentumSolver(learning_rate=0.01, clip_grad_max=100, "
                            "clip_grad_min=-100)"),
        ("optimizer", "optimizer = Optimizer(algorithm=solver, mini_batch_size=16, log_level=0, "
                      "max_epochs=1, reg_l2=0.0005)"),
        ("fit_optimizer", "model1.fit(data=tr_img, optimizer=optimizer, valid_table=te_img, "
                          "n_threads=2, record_seed=13309, gpu=Gpu(devices=[0]))"),
        ("predict", "model1.predict(te_img)"),
        ("valid_res_tbl", "model1.valid_res_tbl.head()"),
        ("deploy_onnx", "model1.deploy(path=out_dir, output_format='onnx')"),
        ("save_to_onnx", "model1.save_to_onnx(os.path.join(out_dir, 'simple_cnn.onnx'))"),
        ("load_weights", "model1.save_weights(os.path.join(out_dir, 'w.weights.h5')); "
                         "model1.load_weights(path=os.path.join(out_dir, 'w.weights.h5'))"),
        ("deploy_astore", "model1.deploy(path=out_dir, output_format='astore')"),
        ("save_weights_csv", "model1.save_weights_csv(out_dir)"),
        ("three_way_split", "tr, va, te = three_way_split(my_images, valid_rate=20, test_rate=20, "
                            "seed=1)"),
        ("crop", "crops = my_images.copy_table(); crops.crop(x=2, y=2, width=12, height=12)"),
        ("as_patches", "my_images.as_patches(width=8, height=8, step_size=8, inplace=False)"),
        ("as_random_patches", "my_images.as_random_patches(random_ratio=0.5, width=8, height=8, "
                              "step_size=8, inplace=False)"),
    ],
    "pretrained_models": [
        ("lenet5", "model = LeNet5(s, model_table='LeNet5', n_classes=3, n_channels=3, width=16, "
                   "height=16)"),
        ("resnet18_caffe", "model = ResNet18_Caffe(s, model_table='ResNet18', n_classes=3, "
                           "n_channels=3, width=32, height=32, random_flip='none', "
                           "random_crop='none', offsets=(103.939, 116.779, 123.68))"),
        ("vgg16_no_top", "model = VGG16(s, model_table='VGG16', n_classes=3, n_channels=3, "
                         "width=32, height=32, include_top=False, pre_trained_weights=False)"),
        ("mobilenet_v1", "model = MobileNetV1(s, model_table='MobileNetV1', n_classes=3, "
                         "width=32, height=32)"),
        ("model_summary", "model.print_summary()"),
        ("pretrained_no_file", "ResNet18_Caffe(s, n_classes=3, width=32, height=32, "
                               "pre_trained_weights=True)"),
    ],
    "functional_api": [
        ("input", "inputs = Input(n_channels=3, width=16, height=16, name='input1')"),
        ("conv_call", "x = Conv2d(8, 3, act='relu', name='conv1')(inputs)"),
        ("conv_call_2", "x1 = Conv2d(8, 3, act='relu')(x)"),
        ("conv_identity", "x2 = Conv2d(8, 3, act='identity')(x1)"),
        ("res_call", "y = Res(act='relu')([x, x2])"),
        ("pool_call", "z = Pooling(2)(y)"),
        ("output_call", "out = OutputLayer(n=3)(z)"),
        ("model", "model = Model(s, inputs=inputs, outputs=out)"),
        ("compile", "model.compile()"),
        ("summary", "model.print_summary()"),
        ("plot_network", "model.plot_network()"),
        ("fit", "model.fit(data=tr_img, mini_batch_size=16, max_epochs=1, lr=0.01, log_level=0)"),
        ("two_inputs", "a = Input(3, 16, 16, name='a'); b = Input(3, 16, 16, name='b')"),
        ("concat_call", "c = Concat()([Conv2d(4, 3)(a), Conv2d(4, 3)(b)])"),
        ("two_input_model", "m2 = Model(s, inputs=[a, b], outputs=OutputLayer(n=3)(c)); "
                            "m2.compile()"),
        ("src_layers", "seq = Sequential(s, model_table='res'); l0 = InputLayer(3, 16, 16); "
                       "l1 = Conv2d(8, 3, src_layers=[l0]); l2 = Conv2d(3, 3, act='identity', "
                       "src_layers=[l1]); l3 = Res(src_layers=[l0, l2]); "
                       "[seq.add(l) for l in (l0, l1, l2, l3)]; seq.add(OutputLayer(n=3))"),
        ("to_functional", "feature = seq.to_functional_model(stop_layers=seq.layers[-1])"),
        ("resblock_bn", "rb = Sequential(s, model_table='rb'); rb.add(InputLayer(3, 16, 16)); "
                        "rb.add(Conv2d(8, 3)); rb.add(ResBlockBN(kernel_sizes=3, "
                        "n_filters=[8, 8], strides=1)); rb.add(OutputLayer(n=3)); rb.compile()"),
        ("resblock_caffe", "rc = Sequential(s); rc.add(InputLayer(3, 16, 16)); "
                           "rc.add(Conv2d(8, 3)); rc.add(ResBlock_Caffe(kernel_sizes=1, n_filters=(4, 4, 8), "
                           "strides=1)); rc.compile()"),
        ("densenet_block", "dnb = Sequential(s); dnb.add(InputLayer(3, 16, 16)); "
                           "dnb.add(DenseNetBlock(n_cells=2, kernel_size=3, n_filter=4)); "
                           "dnb.compile()"),
        ("shared_layer", "shared = Conv2d(4, 3); shared(a); shared(b)"),
    ],
    "learning_rate_policies": [
        ("model", "model = Sequential(s, model_table='lr'); model.add(InputLayer(3, 16, 16, "
                  "scale=1 / 255)); model.add(Conv2d(4, 3)); model.add(Pooling(4)); "
                  "model.add(OutputLayer(n=3))"),
        ("fixed", "lr_scheduler = FixedLR(learning_rate=0.001)"),
        ("step", "lr_scheduler = StepLR(learning_rate=0.001, gamma=0.1, step_size=2)"),
        ("solver_with_scheduler", "solver = MomentumSolver(lr_scheduler=lr_scheduler, "
                                  "clip_grad_max=100, clip_grad_min=-100)"),
        ("optimizer", "optimizer = Optimizer(algorithm=solver, mini_batch_size=16, log_level=0, "
                      "max_epochs=1, reg_l2=0.0005, seed=13309)"),
        ("fit_step", "model.fit(data=tr_img, optimizer=optimizer, n_threads=1, "
                     "record_seed=13309)"),
        ("history_rates", "model.training_history[['Epoch', 'LearningRate']]"),
        ("plot_history", "model.plot_training_history(items=['Loss', 'FitError'])"),
        ("multistep", "lr_scheduler = MultiStepLR(learning_rate=0.001, gamma=0.1, steps=[1, 2])"),
        ("poly", "lr_scheduler = PolynomialLR(learning_rate=0.001, power=2)"),
        ("plateau", "lr_scheduler = ReduceLROnPlateau(conn=s, learning_rate=0.001, gamma=0.1, "
                    "cool_down_iters=2, patience=1)"),
        ("fit_plateau", "model.fit(data=tr_img, optimizer=Optimizer(algorithm=AdamSolver("
                        "lr_scheduler=lr_scheduler), mini_batch_size=16, max_epochs=1, "
                        "log_level=0))"),
        ("cyclic", "lr_scheduler = CyclicLR(conn=s, data=tr_img, batch_size=16, factor=2, "
                   "learning_rate=0.0001, max_lr=0.01)"),
        ("fit_cyclic", "model.fit(data=tr_img, optimizer=Optimizer(algorithm=VanillaSolver("
                       "lr_scheduler=lr_scheduler), mini_batch_size=16, max_epochs=1, "
                       "log_level=0))"),
        ("solver_policy", "solver = VanillaSolver(learning_rate=0.01, learning_rate_policy='step', "
                          "gamma=0.5, step_size=1)"),
        ("adam_solver", "solver = AdamSolver(learning_rate=0.001, beta1=0.9, beta2=0.999)"),
        ("fcmp", "FCMPLR(conn=s, fcmp_learning_rate='my_lr', learning_rate=0.001)"),
        ("lbfgs", "LBFGSolver(m=3, max_line_search_iters=10)"),
    ],
    "tabular": [
        ("split", "tr_tbl, te_tbl = two_way_split(bc_df, test_rate=30, seed=123, "
                  "stratify_by='target_class')"),
        ("sequential", "model = Sequential(s, model_table='simple_dnn_classifier')"),
        ("input_std", "model.add(InputLayer(std='STD'))"),
        ("dense", "model.add(Dense(20, act='relu'))"),
        ("output", "model.add(OutputLayer(act='softmax', n=2, error='entropy'))"),
        ("optimizer", "optimizer = Optimizer(algorithm=AdamSolver(learning_rate=0.005), "
                      "mini_batch_size=32, seed=1234, max_epochs=1, log_level=0)"),
        ("fit", "model.fit(data=tr_tbl, inputs=input_vars, target='target_class', "
                "nominals=['target_class'], valid_table=te_tbl, optimizer=optimizer)"),
        ("predict", "model.predict(te_tbl)"),
        ("res_tbl", "out = model.valid_res_tbl"),
        ("accuracy", "accuracy_score(out['target_class'], out['I_target_class'])"),
        ("accuracy_castable", "accuracy_score('target_class', 'I_target_class', castable=out)"),
        ("confusion", "confusion_matrix(out['target_class'], out['I_target_class'])"),
        ("plot_roc", "plot_roc(out['target_class'], out['P_target_class1'], pos_label=1)"),
        ("roc_auc", "roc_auc_score(out['target_class'], out['P_target_class1'], pos_label=1)"),
        ("plot_pr", "plot_precision_recall(out['target_class'], out['P_target_class1'], "
                    "pos_label=1)"),
        ("f1", "f1_score(out['target_class'], out['I_target_class'], pos_label=1)"),
        ("avg_precision", "average_precision_score(out['target_class'], out['P_target_class1'], "
                          "pos_label=1)"),
        ("regression_model", "reg = Sequential(s, model_table='reg'); "
                             "reg.add(InputLayer(std='STD')); reg.add(Dense(8)); "
                             "reg.add(OutputLayer(act='identity', error='normal'))"),
        ("regression_fit", "reg.fit(data=reg_df, inputs=['a', 'b'], target='y', "
                           "mini_batch_size=16, max_epochs=1, lr=0.01, log_level=0)"),
        ("regression_metrics", "reg.predict(reg_df); r = reg.valid_res_tbl; "
                               "mean_squared_error(r['y'], r['_DL_Pred_'])"),
    ],
    "time_series": [
        ("from_pandas", "sine_table = TimeseriesTable.from_pandas(s, sine_df, casout='sine')"),
        ("formatting", "sine_table.timeseries_formatting(timeid='datetime', "
                       "timeseries=['series'], timeid_informat='ANYDTDTM19.', "
                       "timeid_format='DATETIME19.')"),
        ("accumulation", "sine_table.timeseries_accumlation(acc_interval='hour')"),
        ("plot_timeseries", "plot_timeseries(sine_table, 'datetime', 'series')"),
        ("subsequences", "sine_table.prepare_subsequences(seq_len=8, target='series', "
                         "predictor_timeseries=['series'], missing_handling='drop')"),
        ("partition", "traintbl, validtbl, testtbl = sine_table.timeseries_partition("
                      "validation_start=valid_start, testing_start=test_start)"),
        ("model", "model1 = Sequential(s, model_table='dlnet')"),
        ("input_std", "model1.add(InputLayer(std='STD'))"),
        ("recurrent", "model1.add(Recurrent(rnn_type='LSTM', output_type='encoding', n=8, "
                      "reversed_=False))"),
        ("output_identity", "model1.add(OutputLayer(act='IDENTITY'))"),
        ("optimizer", "optimizer = Optimizer(algorithm=AdamSolver(learning_rate=0.01), "
                      "mini_batch_size=16, seed=1234, max_epochs=1, log_level=0)"),
        ("sequence", "seq_spec = Sequence(**sine_table.sequence_opt)"),
        ("fit", "result = model1.fit(traintbl, valid_table=validtbl, optimizer=optimizer, "
                "sequence=seq_spec, **sine_table.inputs_target)"),
        ("plot_history", "model1.plot_training_history(tick_frequency=1)"),
        ("evaluate", "model1.evaluate(testtbl)"),
        ("valid_res_tbl", "model1.valid_res_tbl.head()"),
        ("bidirectional", "rnn = Sequential(s, model_table='birnn'); rnn.add(InputLayer()); "
                          "rnn.add(Bidirectional(n=8, n_blocks=1)); "
                          "rnn.add(OutputLayer(act='IDENTITY'))"),
    ],
    "text": [
        ("text_classification", "model = TextClassification(s, model_table='text_classifier', "
                                "neurons=8, n_blocks=1, rnn_type='GRU')"),
        ("fit_texts", "model.fit(data=text_train, inputs='text', target='label', texts='text', "
                      "nominals='label', mini_batch_size=8, max_epochs=1, lr=0.01, log_level=0, "
                      "text_parms=TextParms(language='english'))"),
        ("evaluate_texts", "model.evaluate(text_test)"),
        ("text_conf_mat", "model.valid_conf_mat"),
    ],
    "keras_import": [
        ("from_keras_model", "model, use_gpu = Model.from_keras_model(conn=s, keras_model=kmodel, "
                             "output_model_table='lenet', scale=1.0 / 255)"),
        ("summary", "model.print_summary()"),
        ("include_weights", "model, _ = Model.from_keras_model(s, kmodel, "
                            "output_model_table='lenet2', include_weights=True)"),
        ("deploy", "model.deploy(path=out_dir, output_format='onnx')"),
    ],
    "onnx_import": [
        ("onnx_load", "import onnx; onnx_model = onnx.load(os.path.join(out_dir, "
                      "'simple_cnn.onnx'))"),
        ("from_onnx_model", "model = Model.from_onnx_model(s, onnx_model, "
                            "output_model_table='cnn_onnx', offsets=[1.0, 1.0, 1.0], "
                            "scale=1 / 255)"),
        ("onnx_summary", "model.print_summary()"),
        ("from_caffe_model", "Model.from_caffe_model(s, 'net.prototxt', "
                             "model_weights_file='net.caffemodel.h5')"),
    ],
}

# Calls that need a SAS server: each fails with one sentence saying why.
EXPECTED_FAILURES = {
    "image_classification/deploy_astore": "astore is a SAS-only format (needs a CAS server)",
    "image_classification/save_weights_csv": "no CAS weight tables; weights go to Keras files",
    "pretrained_models/pretrained_no_file": "weights are never downloaded; SAS's .h5 files "
                                            "come from SAS's site, so a file must be given",
    "functional_api/shared_layer": "a layer called on two tensors would share weights; DLPy "
                                   "refuses it as well",
    "learning_rate_policies/fcmp": "FCMP learning-rate code runs on a CAS server",
    "learning_rate_policies/lbfgs": "Keras has only first-order optimizers",
    "onnx_import/from_caffe_model": "no Caffe reader; Caffe models come in through ONNX",
}


def _image_folder(root):
    from PIL import Image
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    for label in (0, 1, 2):
        os.makedirs(root / f"digit{label}")
        for i, image in enumerate(x[y == label][:30]):
            gray = np.kron(image.reshape(8, 8), np.ones((2, 2))) * 255 / 16
            pixels = np.repeat(gray[..., None], 3, axis=2).astype(np.uint8)
            Image.fromarray(pixels).save(root / f"digit{label}" / f"{i}.png")
    return str(root)


def _keras_lenet():
    import keras

    x = keras.Input((16, 16, 3), name="image")
    h = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(x)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h = keras.layers.Flatten(name="flat")(h)
    return keras.Model(x, keras.layers.Dense(3, activation="softmax", name="out")(h),
                       name="lenet")


def _frames():
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    bc = load_breast_cancer()
    bc_df = pd.DataFrame(bc["data"], columns=bc["feature_names"])
    bc_df["target_class"] = bc["target"]
    rng = np.random.default_rng(0)
    reg_df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    reg_df["y"] = reg_df["a"] - 2 * reg_df["b"]
    times = pd.date_range("2024-01-01", periods=240, freq="30min")
    sine_df = pd.DataFrame({"datetime": times.strftime("%Y-%m-%d %H:%M:%S"), "id": 1,
                            "series": np.sin(np.arange(240) / 8.0)})
    words = {"good": "great fine nice good happy", "bad": "awful poor sad bad terrible"}
    texts = [(" ".join(rng.choice(words[label].split(), 5)), label)
             for label in ("good", "bad") for _ in range(40)]
    text_df = pd.DataFrame(texts, columns=["text", "label"]).sample(frac=1, random_state=0)
    return dict(bc_df=bc_df, input_vars=list(bc["feature_names"]), reg_df=reg_df,
                sine_df=sine_df, valid_start="2024-01-04 00:00:00",
                test_start="2024-01-05 00:00:00",
                text_train=text_df[:60], text_test=text_df[60:])


def _replay(namespace, notebook):
    outcomes = {}
    for key, code in NOTEBOOKS[notebook]:
        try:
            exec(code, namespace)  # noqa: S102 (the DLPy user's cell)
            outcomes[f"{notebook}/{key}"] = None
        except Exception as error:  # a failed call is recorded, as a cell error
            outcomes[f"{notebook}/{key}"] = f"{type(error).__name__}: {error}"
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    import keras
    import matplotlib

    matplotlib.use("Agg")
    keras.utils.set_random_seed(0)
    base = {"folder": _image_folder(tmp_path_factory.mktemp("digits")),
            "out_dir": str(tmp_path_factory.mktemp("deploy")), "os": os,
            "kmodel": _keras_lenet(), **_frames()}
    exec(IMPORTS, base)  # noqa: S102
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ignored-option warnings are tested elsewhere
        images = dict(base)
        results.update(_replay(images, "image_classification"))
        for notebook in NOTEBOOKS:
            if notebook != "image_classification":
                namespace = dict(base, tr_img=images.get("tr_img"))
                results.update(_replay(namespace, notebook))
    return results


def test_every_call_expected_to_work_works(outcomes):
    broken = {key: why for key, why in outcomes.items()
              if why is not None and key not in EXPECTED_FAILURES}
    assert broken == {}


def test_expected_failures_fail_with_one_sentence(outcomes):
    for key in EXPECTED_FAILURES:
        assert outcomes[key] is not None, f"{key} works now; take it off EXPECTED_FAILURES"
        assert outcomes[key].startswith("InvalidArgumentError"), outcomes[key]


def test_at_least_90_percent_of_the_calls_work_as_written(outcomes):
    passed = sum(why is None for why in outcomes.values())
    assert len(outcomes) >= 100
    assert passed / len(outcomes) >= 0.9, f"{passed}/{len(outcomes)}"
