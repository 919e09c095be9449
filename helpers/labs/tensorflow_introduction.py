"""TensorFlow introduction (week 3): the public checks and the SIGNS explorer of
``notebooks/week3/tensorflow_introduction.ipynb``.

The checks compare with expected values (``checking.expected``); for the exercises without
inputs to vary (``linear_function``, ``initialize_parameters``) and the trained weights of
``model``, the public table holds a ``summary`` and only the grader compares every value.
The explorer trains
the lab's network with Keras (``train_signs``), a few seconds a setting; the setting it opens
on is trained ahead by ``make datasets`` (``signs_run_inputs``), so Run All does not wait for it.
"""

from importlib import metadata

import numpy as np

from helpers import checking, data, grids, nn
from helpers.explorer import WIDE, Explorer, LiveFigure, choice_slider, log_slider
from helpers.runtime import import_tensorflow_quietly

# ---------------------------------------------------------------- checks

LAYERS = [12288, 25, 12, 6]  # the lab's network


def _tf():
    return import_tensorflow_quietly()


def _assert_tensor(where, value, dtype=None, shape=None):
    """``value`` is a TensorFlow tensor or variable (not numpy) of ``dtype`` and ``shape``."""
    tf = _tf()
    if not (tf.is_tensor(value) or isinstance(value, tf.Variable)):
        raise AssertionError(
            f"{where} should be a TensorFlow tensor, got {type(value).__name__}; "
            "use tf operations (tf.constant, tf.matmul, ...) rather than numpy."
        )
    if dtype is not None and value.dtype != dtype:
        raise AssertionError(f"{where} has dtype {value.dtype.name}, expected {dtype.name}.")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise AssertionError(f"{where} has shape {tuple(value.shape)}, expected {tuple(shape)}.")


def _values(where, got, expected, atol=1e-6):
    """Compare a tensor's values with a numpy array (shape and values)."""
    checking.assert_array(
        where, np.asarray(got.numpy(), dtype=np.float64), np.asarray(expected), atol=atol
    )


def _expected(exercise, **case):
    return checking.expected(f"tensorflow_introduction.{exercise}", **case)


def _full(exercise, **case):
    return checking.answer_key_only(f"tensorflow_introduction.{exercise}", **case)


def summary(values):
    """What a public check compares for a result it may not ship whole: shape, sum, sum of
    squares and the first three entries (in C order) of an array."""
    values = np.asarray(values, dtype=np.float64)
    return {
        "shape": values.shape,
        "sum": float(values.sum()),
        "squares": float(np.square(values).sum()),
        "first": values.ravel()[:3],
    }


def parameter_summary(params):
    """``summary`` of each array of a parameter dict."""
    return {k: summary(v) for k, v in params.items()}


def _assert_summary(where, got, want, atol=1e-6):
    got = summary(got)
    if tuple(got["shape"]) != tuple(want["shape"]):
        raise AssertionError(f"{where} has shape {got['shape']}, expected {want['shape']}.")
    checking.assert_array(f"{where}: first entries", got["first"], want["first"], atol=atol)
    for part in ("sum", "squares"):
        tolerance = max(1e-5, atol)
        checking.assert_close(
            f"{where}: {part} of the entries",
            got[part],
            want[part],
            rtol=tolerance,
            atol=10 * tolerance,
        )


def linear_function_test(target, seed=1):
    """Y = W X + b with np.random.seed(seed), X = randn(3, 1), W = randn(4, 3), b = randn(4, 1)."""
    want = _expected("linear_function", seed=seed, summary=True)
    full = _full("linear_function", seed=seed, summary=False)
    for attempt in ("first call", "second call (the seed makes it repeatable)"):
        Y = checking.call(target)
        _assert_tensor(f"linear_function() ({attempt})", Y, shape=(4, 1))
        _assert_summary(f"linear_function() ({attempt})", Y.numpy(), want)
        if full is not None:
            _values(f"linear_function() ({attempt})", Y, full, atol=1e-12)
    print(checking.PASSED)


def sigmoid_test(target, cases=(-1.0, 0.0, 12.0)):
    """sigmoid(z) as a float32 tensor, for Python floats, float64 and arrays."""
    tf = _tf()
    for z, value in zip((*cases, np.array(cases)), _expected("sigmoid", cases=cases), strict=True):
        a = checking.call(target, z)
        _assert_tensor(f"sigmoid({z!r})", a, dtype=tf.float32, shape=np.shape(z))
        _values(f"sigmoid({z!r})", a, value)
    print(checking.PASSED)


def one_hot_matrix_test(target, cases=((1, 4), (0, 6), (5, 6))):
    """one_hot_matrix(label, C): a float32 vector (C,) with a 1 at ``label``."""
    tf = _tf()
    for (label, C), value in zip(cases, _expected("one_hot_matrix", cases=cases), strict=True):
        got = checking.call(target, tf.constant(label), C)
        where = f"one_hot_matrix(tf.constant({label}), C={C})"
        _assert_tensor(where, got, dtype=tf.float32, shape=(C,))
        _values(where, got, value)
    print(checking.PASSED)


def initialize_parameters_test(target):
    """W1 (25, 12288), b1 (25, 1), W2 (12, 25), b2 (12, 1), W3 (6, 12), b3 (6, 1): tf.Variable
    float32 from tf.keras.initializers.GlorotNormal(seed=1)."""
    tf = _tf()
    want = _expected("initialize_parameters", summary=True)
    full = _full("initialize_parameters", summary=False)
    got = checking.call(target)
    if not isinstance(got, dict):
        raise AssertionError(f"initialize_parameters() should return a dict, got {type(got)}.")
    for key, value in want.items():
        if key not in got:
            raise AssertionError(f"initialize_parameters(): missing key {key!r}.")
        if not isinstance(got[key], tf.Variable):
            raise AssertionError(
                f"initialize_parameters(): {key} should be a tf.Variable (so that training "
                f"can update it), got {type(got[key]).__name__}."
            )
        _assert_tensor(f"initialize_parameters(): {key}", got[key], tf.float32, value["shape"])
        _assert_summary(f"initialize_parameters(): {key}", got[key].numpy(), value)
        if full is not None:
            _values(f"initialize_parameters(): {key}", got[key], full[key])
    print(checking.PASSED)


def forward_case(seed=1, m=2, layers=LAYERS):
    """X (n_x, m) float32 from np.random.seed(seed) and rand, and parameters (tf.Variable,
    float32) drawn uniform in [-0.1, 0.1) from ``RandomState(seed + 100)``."""
    tf = _tf()
    X = np.random.RandomState(seed).rand(layers[0], m).astype(np.float32)
    rng = np.random.RandomState(seed + 100)
    params = {}
    for l in range(1, len(layers)):
        for key, shape in ((f"W{l}", (layers[l], layers[l - 1])), (f"b{l}", (layers[l], 1))):
            params[key] = tf.Variable((rng.rand(*shape) * 0.2 - 0.1).astype(np.float32))
    return tf.constant(X), params


def forward_propagation_test(target, seed=1, m=2):
    """Z3 = W3 relu(W2 relu(W1 X + b1) + b2) + b3, as TensorFlow ops (no softmax)."""
    tf = _tf()
    X, params = forward_case(seed, m)
    want = _expected("forward_propagation", seed=seed, m=m)
    where = f"forward_propagation(X {tuple(X.shape)}, parameters)"
    with tf.GradientTape() as tape:
        Z3 = checking.call(target, X, params)
        _assert_tensor(where, Z3, shape=(LAYERS[-1], m))
        total = tf.reduce_sum(Z3)
    _values(where, Z3, want["Z3"], atol=1e-4)
    gradient = tape.gradient(total, params["W1"])
    if gradient is None:
        raise AssertionError(f"{where}: no gradient reaches W1; compute Z3 with tf operations.")
    _assert_summary(
        f"{where}: the gradient of sum(Z3) with respect to W1", gradient.numpy(), want["dW1"]
    )
    print(checking.PASSED)


def loss_case(seed=1, m=5, C=6):
    """Logits (C, m) float32 from randn and one-hot labels (C, m) from np.random.seed(seed)."""
    tf = _tf()
    rng = np.random.RandomState(seed)
    logits = rng.randn(C, m).astype(np.float32)
    labels = np.eye(C, dtype=np.float32)[:, rng.randint(0, C, m)]
    return tf.constant(logits), tf.constant(labels)


def compute_total_loss_test(target, seed=1, m=5):
    """The sum over examples of the categorical cross-entropy of softmax(logits)."""
    logits, labels = loss_case(seed, m)
    expected = _expected("compute_total_loss", seed=seed, m=m)
    got = checking.call(target, logits, labels)
    where = f"compute_total_loss(logits {tuple(logits.shape)}, labels)"
    _assert_tensor(where, got, shape=())
    if not np.isclose(float(got), expected, rtol=1e-5):
        mean = expected / m
        hint = " (that is the mean; the lab wants the sum)" if np.isclose(float(got), mean) else ""
        raise AssertionError(f"{where} is {float(got):.6f}, expected {expected:.6f}{hint}.")
    print(checking.PASSED)


def model_case(seed=1, m_train=64, m_test=16):
    """Small normalized datasets for the model check: tf.data of (12288,) float32 images and
    (6,) one-hot labels, from np.random.seed(seed)."""
    tf = _tf()
    rng = np.random.RandomState(seed)
    sets = []
    for m in (m_train, m_test):
        x = rng.rand(m, LAYERS[0]).astype(np.float32)
        y = np.eye(6, dtype=np.float32)[rng.randint(0, 6, m)]
        sets += [tf.data.Dataset.from_tensor_slices(x), tf.data.Dataset.from_tensor_slices(y)]
    return sets


TRAINED = 1e-4  # absolute tolerance on model's trained weights (a step moves them by ~1e-3)


def model_test(target, seed=1, num_epochs=2, minibatch_size=32, learning_rate=0.001):
    """model(...) trains with Adam on mini-batches and returns parameters, costs (per epoch,
    total loss / m), train_acc and test_acc (per epoch)."""
    X_train, Y_train, X_test, Y_test = model_case(seed)
    case = dict(
        seed=seed, num_epochs=num_epochs, minibatch_size=minibatch_size, learning_rate=learning_rate
    )
    want, full = _expected("model", **case, summary=True), _full("model", **case, summary=False)
    where = f"model(..., num_epochs={num_epochs}, minibatch_size={minibatch_size})"
    options = dict(num_epochs=num_epochs, minibatch_size=minibatch_size, print_cost=False)
    result = checking.call(target, X_train, Y_train, X_test, Y_test, learning_rate, **options)
    if not (isinstance(result, tuple) and len(result) == 4):
        raise AssertionError(f"{where} should return (parameters, costs, train_acc, test_acc).")
    params, costs, train_acc, test_acc = result
    for name, values in (("costs", costs), ("train_acc", train_acc), ("test_acc", test_acc)):
        if len(values) != num_epochs:
            raise AssertionError(
                f"{where}: {name} has {len(values)} entries, expected one per epoch ({num_epochs})."
            )
        got = np.array([float(v) for v in values])
        if not np.allclose(got, want[name], rtol=1e-4, atol=1e-6):
            raise AssertionError(
                f"{where}: {name} {np.round(got, 6).tolist()}, expected "
                f"{np.round(want[name], 6).tolist()}"
                + (" (total loss / m, one per epoch)." if name == "costs" else " (one per epoch).")
            )
    for key, value in want["parameters"].items():
        if key not in params:
            raise AssertionError(f"{where}: the parameters have no {key!r}.")
        # Trained float32 weights: TensorFlow's reductions may run in another order in
        # another process (1.6e-5 seen after 4 Adam steps); the costs above are the tight part.
        _assert_summary(f"{where}: trained {key}", np.asarray(params[key]), value, atol=TRAINED)
        if full is not None:
            _values(f"{where}: trained {key}", params[key], full["parameters"][key], atol=TRAINED)
    print(checking.PASSED)


# ---------------------------------------------------------------- the SIGNS explorer

SIGNS_REGULARIZERS = {
    "none": {},
    "L2 (λ = 1)": {"l2": 1.0},
    "dropout (keep_prob 0.9)": {"keep_prob": 0.9},
}
SIGNS_EPOCHS = 60  # the explorer's budget; the lab trains 100 epochs
SIGNS_START = {"lr": 1e-4, "batch": 32, "regularizer": "none"}  # where the explorer opens
# (ordered as a setting: learning rate, mini-batch, regularizer)
_SIGNS_RUNS = {}  # (data source, learning rate, mini-batch, regularizer) -> run


def flatten_images(images):
    """(m, 64, 64, 3) uint8 -> X (12288, m) float32 in [0, 1] (the lab's ``normalize``)."""
    return (images.reshape(len(images), -1).T / np.float32(255)).astype(np.float32)


def train_signs(signs, learning_rate=1e-3, epochs=40, batch_size=32, l2=0.0, keep_prob=1.0, seed=1):
    """The lab's [12288, 25, 12, 6] network as Keras trains it (``Dense`` layers, Adam with
    epsilon 1e-7, the summed loss, ``fit`` on mini-batches in data order), from the provided
    Glorot start (``nn.start_weights("signs")``); optional L2 (lambda / (2m) ||W1||^2 on the
    mean loss, scaled to the summed one) or inverted dropout on the first hidden layer (its
    25 units; the 12 of the second are too few to drop). Seeded with ``seed``. Returns a
    dict: ``train_acc``, ``test_acc`` (epochs,) after each epoch, ``costs`` (epochs,) without
    the L2 term, and ``test_pred`` (epochs, m_test): the predicted classes after each epoch."""
    tf = _tf()
    tf.keras.utils.set_random_seed(seed)
    X, test_X = flatten_images(signs.train_x).T, flatten_images(signs.test_x).T  # (m, 12288)
    m, classes = len(X), len(signs.classes)
    Y = np.eye(classes, dtype=np.float32)[signs.train_y]
    regularizer = tf.keras.regularizers.L2(l2 * batch_size / (2 * m)) if l2 else None
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(LAYERS[0],)),
            tf.keras.layers.Dense(LAYERS[1], activation="relu", kernel_regularizer=regularizer),
            tf.keras.layers.Dropout(1 - keep_prob),
            tf.keras.layers.Dense(LAYERS[2], activation="relu"),
            tf.keras.layers.Dense(LAYERS[3]),
        ]
    )
    start = nn.start_weights("signs", LAYERS)
    model.set_weights(
        [
            start[f"{k}{l}"].T.astype(np.float32).reshape(-1)
            if k == "b"
            else start[f"{k}{l}"].T.astype(np.float32)
            for l in (1, 2, 3)
            for k in "Wb"
        ]
    )
    loss = tf.keras.losses.CategoricalCrossentropy(from_logits=True, reduction="sum")
    steps = -(-m // batch_size)  # one epoch per call into the compiled step
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate, epsilon=1e-7),
        loss=loss,
        steps_per_execution=steps,
    )
    out = {"train_acc": [], "test_acc": [], "costs": [], "test_pred": []}

    class Record(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            weights = model.get_weights()
            params = {
                f"{k}{l}": (w.T if k == "W" else w[:, None])
                for (l, k), w in zip(
                    [(l, k) for l in (1, 2, 3) for k in "Wb"], weights, strict=True
                )
            }
            logits = nn.deep_forward(X.T, params)[1]  # (6, m)
            pred = np.argmax(nn.deep_forward(test_X.T, params)[1], axis=0)
            out["train_acc"].append(np.mean(np.argmax(logits, axis=0) == signs.train_y))
            out["test_acc"].append(np.mean(pred == signs.test_y))
            out["costs"].append(float(loss(Y, logits.T)) / m)
            out["test_pred"].append(pred)

    model.fit(
        X, Y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0, callbacks=[Record()]
    )
    return {k: np.array(v) for k, v in out.items()}


def signs_run_inputs(signs, learning_rate, batch_size, regularizer):
    """What one explorer run depends on (the cache key of a run trained ahead): the images,
    the network and its start, the setting, the budget and the TensorFlow that trains it."""
    return (
        signs.train_x,
        signs.train_y,
        signs.test_x,
        signs.test_y,
        LAYERS,
        *nn.start_weights("signs", LAYERS).values(),
        [learning_rate, batch_size, SIGNS_EPOCHS],
        regularizer,
        repr(SIGNS_REGULARIZERS[regularizer]),
        metadata.version("tensorflow"),
    )


def _pretrained(signs, learning_rate, batch_size, regularizer, cache_dir=None):
    """The run ``make datasets`` trained ahead for this setting, or None: only the explorer's
    opening setting is (any other returns at once, without hashing the images for a key)."""
    if (learning_rate, batch_size, regularizer) != tuple(SIGNS_START.values()):
        return None
    inputs = signs_run_inputs(signs, learning_rate, batch_size, regularizer)
    try:
        return grids.load("signs-explorer", inputs, cache_dir)
    except grids.GridMissing:
        return None


def train_setting(signs, learning_rate, batch_size, regularizer):
    """``train_signs`` at one explorer setting, for ``SIGNS_EPOCHS`` epochs (no cache)."""
    return train_signs(
        signs, learning_rate, SIGNS_EPOCHS, batch_size, **SIGNS_REGULARIZERS[regularizer]
    )


def signs_trained(signs, learning_rate, batch_size, regularizer):
    """Whether ``signs_run`` has this setting already, in this kernel or trained ahead by
    ``make datasets`` (it then returns without training)."""
    key = (signs.source, learning_rate, batch_size, regularizer)
    if key not in _SIGNS_RUNS:
        run = _pretrained(signs, learning_rate, batch_size, regularizer)
        if run is not None:
            _SIGNS_RUNS[key] = run
    return key in _SIGNS_RUNS


def signs_run(signs, learning_rate, batch_size, regularizer):
    """``train_signs`` for ``SIGNS_EPOCHS`` epochs at one setting, cached per setting."""
    key = (signs.source, learning_rate, batch_size, regularizer)
    if not signs_trained(signs, learning_rate, batch_size, regularizer):
        _SIGNS_RUNS[key] = train_setting(signs, learning_rate, batch_size, regularizer)
    return _SIGNS_RUNS[key]


def signs_summary(run, epochs, label):
    """One line: the setting and its accuracies after ``epochs`` epochs."""
    return (
        f"{label}: after {epochs} epochs train accuracy {run['train_acc'][epochs - 1]:.3f}, "
        f"test accuracy {run['test_acc'][epochs - 1]:.3f}"
    )


class SignsFigure:
    """The explorer's live figure: accuracy per epoch (train / test) and up to ``shown``
    misclassified test images with what the network said."""

    def __init__(self, signs, shown=8):
        self.signs, self.live = signs, LiveFigure.new(figsize=(11, 3.6))
        fig = self.live.fig
        grid = fig.add_gridspec(2, 6, left=0.06, right=0.99, bottom=0.14, top=0.86, wspace=0.15)
        ax = fig.add_subplot(grid[:, :2])
        self.curves = [ax.plot([], [], label=split)[0] for split in ("train", "test")]
        ax.set(ylim=(0, 1), xlim=(0, SIGNS_EPOCHS + 1), xlabel="epoch", title="accuracy")
        legend = ax.legend(loc="lower right")
        self.images, self.labels = [], []
        for r in range(2):
            for c in range(shown // 2):
                image_ax = fig.add_subplot(grid[r, 2 + c])
                image_ax.axis("off")
                self.images.append(image_ax.imshow(np.zeros(signs.test_x.shape[1:], np.uint8)))
                self.labels.append(image_ax.set_title(" ", fontsize="small"))
        self.title = fig.suptitle(" ", fontsize="medium")
        self.live.moving = [*self.curves, legend, *self.images, *self.labels, self.title]

    def update(self, view):
        """Draw ``view`` (``run`` after ``epochs``, named ``label``; ``run`` None while it
        trains: nothing drawn yet); returns the ``LiveFigure``."""
        run, epochs = view["run"], view["epochs"]
        done = np.arange(1, epochs + 1) if run is not None else []
        for line, split in zip(self.curves, ("train", "test"), strict=True):
            line.set_data(done, run[f"{split}_acc"][:epochs] if run is not None else [])
        wrong, pred, truth = [], None, self.signs.test_y
        if run is not None:
            pred = run["test_pred"][epochs - 1]
            wrong = np.flatnonzero(pred != truth)
        for k, (image, title) in enumerate(zip(self.images, self.labels, strict=True)):
            image.set_visible(k < len(wrong))
            title.set_visible(k < len(wrong))
            if k < len(wrong):
                image.set_data(self.signs.test_x[wrong[k]])
                title.set_text(f"said {pred[wrong[k]]}, is {truth[wrong[k]]}")
        self.title.set_text(
            f"{view['label']}: training…"
            if run is None
            else f"{view['label']}; test images it gets wrong ({len(wrong)} of {len(pred)})"
        )
        return self.live

    def status(self, view):
        if view["run"] is None:
            return f"{view['label']}: training…"
        return signs_summary(view["run"], view["epochs"], view["label"])


def signs_explorer(signs=None, **start):
    """Explorer of the TensorFlow lab: learning rate (log), epochs, mini-batch size and a
    regularizer, on the SIGNS set with the lab's network in Keras (``start`` sets lr,
    epochs, batch, regularizer). A new setting trains ``SIGNS_EPOCHS`` epochs (a few
    seconds), then every epoch count is a lookup: the epochs slider follows a drag, the
    controls that train send their value when released."""
    import ipywidgets as w

    signs = signs if signs is not None else data.load_signs()
    controls = {
        "lr": log_slider(SIGNS_START["lr"], -5, -2, 0.25, "learning rate", style=WIDE),
        "epochs": w.IntSlider(
            value=SIGNS_EPOCHS, min=5, max=SIGNS_EPOCHS, step=5, description="epochs"
        ),
        "batch": choice_slider([16, 32, 64, 128], SIGNS_START["batch"], "mini-batch"),
        "regularizer": w.Dropdown(
            options=list(SIGNS_REGULARIZERS),
            value=SIGNS_START["regularizer"],
            description="regularizer",
        ),
    }
    for trains in ("lr", "batch"):  # a drag would train each value it passes
        controls[trains].continuous_update = False

    def view(lr, epochs, batch, regularizer):
        trained = signs_trained(signs, lr, batch, regularizer)
        return {
            "run": signs_run(signs, lr, batch, regularizer) if trained else None,
            "epochs": epochs,
            "label": f"lr {lr:.2g}, mini-batch {batch}, {regularizer}",
        }

    def trains(lr, epochs, batch, regularizer):
        return not signs_trained(signs, lr, batch, regularizer)

    def train(lr, epochs, batch, regularizer):
        signs_run(signs, lr, batch, regularizer)

    return Explorer(
        controls,
        view,
        SignsFigure(signs),
        trains=trains,
        train=train,
        start=start,
        call="lab.signs_explorer(",
    )
