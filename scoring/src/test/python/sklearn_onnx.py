"""Models made elsewhere, for the interop tests: scikit-learn trains them, skl2onnx exports them, and Python's
onnxruntime scores the same rows the Java side scores, so the two can be compared.

    python sklearn_onnx.py OUT_DIR [ROWS]

writes into OUT_DIR:
  data.csv                     id,c1,c2,c3 (random, seeded; the rows both sides score)
  logreg.onnx                  StandardScaler + LogisticRegression, input float_input float [N,3], tensor outputs
  gbt.onnx                     GradientBoostingClassifier, input float_input float [N,3]
  ridge.onnx                   StandardScaler + Ridge regression, input double_input double [N,3]
  expected_<model>.csv         id and onnxruntime's outputs: label,p0,p1 (classifiers) or prediction (regressor)
"""
import os
import sys

import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main(out, rows):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, 3)) * np.array([1.0, 10.0, 0.1]) + np.array([0.0, 50.0, 1.0])
    logit = 1.5 * x[:, 0] - 0.2 * (x[:, 1] - 50.0) + 4.0 * (x[:, 2] - 1.0)
    y = (logit + rng.logistic(size=rows) > 0).astype(np.int64)
    target = 3.0 * x[:, 0] + 0.5 * x[:, 1] - 7.0 * x[:, 2] + rng.normal(size=rows)
    ids = np.arange(1, rows + 1)

    with open(os.path.join(out, "data.csv"), "w") as f:
        f.write("id,c1,c2,c3\n")
        for i, r in zip(ids, x):
            f.write("%d,%s,%s,%s\n" % (i, repr(float(r[0])), repr(float(r[1])), repr(float(r[2]))))

    models = {
        "logreg": (make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y), np.float32, FloatTensorType, "float_input"),
        "gbt": (GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0).fit(x, y), np.float32,
                FloatTensorType, "float_input"),
        "ridge": (make_pipeline(StandardScaler(), Ridge(alpha=0.5)).fit(x, target), np.float64, DoubleTensorType,
                  "double_input"),
    }
    for name, (model, dtype, tensor_type, input_name) in models.items():
        options = {id(model): {"zipmap": False}} if name != "ridge" else None
        onx = to_onnx(model, initial_types=[(input_name, tensor_type([None, 3]))], options=options,
                      target_opset={"": 17, "ai.onnx.ml": 3})
        path = os.path.join(out, name + ".onnx")
        with open(path, "wb") as f:
            f.write(onx.SerializeToString())
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs = sess.run(None, {input_name: x.astype(dtype)})
        with open(os.path.join(out, "expected_" + name + ".csv"), "w") as f:
            if name == "ridge":
                f.write("id,prediction\n")
                for i, p in zip(ids, outputs[0].reshape(-1)):
                    f.write("%d,%s\n" % (i, repr(float(p))))
            else:
                f.write("id,label,p0,p1\n")
                for i, label, p in zip(ids, outputs[0], outputs[1]):
                    f.write("%d,%d,%s,%s\n" % (i, int(label), repr(float(p[0])), repr(float(p[1]))))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500)
