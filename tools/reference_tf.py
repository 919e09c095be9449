"""The course's solutions of the TensorFlow lab, for the answer key, the tests and the bench:
the graded functions are the solved lab's solution cells (``tools.solutions``), here as
``reference_tf.<name>``; this module adds the instructor's side: the lab's training loop in
plain TensorFlow ops, its tf.data sets and an accuracy in numpy."""

import numpy as np

from helpers.runtime import import_tensorflow_quietly
from tools import stacked
from tools.solutions import solutions

tf = import_tensorflow_quietly()
SOLUTIONS = solutions("week3/tensorflow_introduction.ipynb", tf=tf)  # the setup cell's tf
globals().update(SOLUTIONS)


def reference_training(X_train, Y_train, learning_rate, num_epochs, minibatch_size):
    """The lab's training loop on (12288, ...) datasets, written with plain TensorFlow ops:
    returns parameters (numpy) and the cost per epoch (total loss / m)."""
    params = SOLUTIONS["initialize_parameters"]()
    variables = [params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
    data = tf.data.Dataset.zip((X_train, Y_train))
    m = int(data.cardinality().numpy())
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            A = tf.transpose(x)
            for l in (1, 2, 3):
                Z = tf.matmul(params[f"W{l}"], A) + params[f"b{l}"]
                A = tf.nn.relu(Z) if l < 3 else Z
            loss = tf.reduce_sum(
                tf.keras.losses.categorical_crossentropy(y, tf.transpose(Z), from_logits=True)
            )
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    batches, costs = data.batch(minibatch_size).cache(), []
    for _ in range(num_epochs):
        costs.append(sum(float(step(x, y)) for x, y in batches) / m)
    return {k: v.numpy() for k, v in params.items()}, costs


def signs_datasets(signs):
    """tf.data sets of the lab: normalized (12288,) images and one-hot labels."""

    def normalize(image):
        return tf.reshape(tf.cast(image, tf.float32) / 255.0, [-1])

    out = []
    for x, y in ((signs.train_x, signs.train_y), (signs.test_x, signs.test_y)):
        out += [
            tf.data.Dataset.from_tensor_slices(x).map(normalize),
            tf.data.Dataset.from_tensor_slices(y).map(SOLUTIONS["one_hot_matrix"]),
        ]
    return out


def accuracy(parameters, images, labels):
    """Accuracy of trained parameters (numpy arrays or variables) on (m, 64, 64, 3) images."""
    params = {k: np.asarray(v, dtype=np.float64)[None] for k, v in parameters.items()}
    X = images.reshape(len(images), -1).T / 255.0
    return float(np.mean(stacked.predict(X, params, "softmax")[0] == labels))
