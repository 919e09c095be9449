"""Reference solutions of the TensorFlow lab (the course's), for the tests."""

import numpy as np

from helpers.runtime import import_tensorflow_quietly
from tools import stacked

tf = import_tensorflow_quietly()


def linear_function():
    np.random.seed(1)
    X = tf.constant(np.random.randn(3, 1))
    W = tf.constant(np.random.randn(4, 3))
    b = tf.constant(np.random.randn(4, 1))
    return tf.add(tf.matmul(W, X), b)


def sigmoid(z):
    return tf.keras.activations.sigmoid(tf.cast(z, tf.float32))


def one_hot_matrix(label, C=6):
    return tf.reshape(tf.one_hot(label, C, axis=0), shape=[C])


def initialize_parameters():
    initializer = tf.keras.initializers.GlorotNormal(seed=1)
    shapes = {
        "W1": (25, 12288),
        "b1": (25, 1),
        "W2": (12, 25),
        "b2": (12, 1),
        "W3": (6, 12),
        "b3": (6, 1),
    }
    return {k: tf.Variable(initializer(shape=s)) for k, s in shapes.items()}


def forward_propagation(X, parameters):
    A = X
    for l in (1, 2, 3):
        Z = tf.math.add(tf.linalg.matmul(parameters[f"W{l}"], A), parameters[f"b{l}"])
        A = tf.keras.activations.relu(Z) if l < 3 else Z
    return Z


def compute_total_loss(logits, labels):
    return tf.reduce_sum(
        tf.keras.losses.categorical_crossentropy(
            tf.transpose(labels), tf.transpose(logits), from_logits=True
        )
    )


def model(
    X_train,
    Y_train,
    X_test,
    Y_test,
    learning_rate=0.0001,
    num_epochs=100,
    minibatch_size=32,
    print_cost=True,
    compiled=True,
):
    """The lab's model, returning per-epoch accuracies: its training step a ``@tf.function``
    as the lab's solution writes it (``compiled=False``: the same step, eager)."""
    parameters = initialize_parameters()
    variables = [parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    train_accuracy = tf.keras.metrics.CategoricalAccuracy()
    test_accuracy = tf.keras.metrics.CategoricalAccuracy()
    data = tf.data.Dataset.zip((X_train, Y_train))
    m = int(data.cardinality().numpy())

    def step(x, y):
        with tf.GradientTape() as tape:
            Z3 = forward_propagation(tf.transpose(x), parameters)
            loss = compute_total_loss(Z3, tf.transpose(y))
        train_accuracy.update_state(y, tf.transpose(Z3))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    step = tf.function(step) if compiled else step
    costs, train_acc, test_acc = [], [], []
    for _ in range(num_epochs):
        total = 0.0
        train_accuracy.reset_state()
        for x, y in data.batch(minibatch_size).cache():
            total += float(step(x, y))
        test_accuracy.reset_state()
        for x, y in tf.data.Dataset.zip((X_test, Y_test)).batch(minibatch_size):
            test_accuracy.update_state(
                y, tf.transpose(forward_propagation(tf.transpose(x), parameters))
            )
        costs.append(total / m)
        train_acc.append(float(train_accuracy.result()))
        test_acc.append(float(test_accuracy.result()))
    return parameters, costs, train_acc, test_acc


def reference_training(X_train, Y_train, learning_rate, num_epochs, minibatch_size):
    """The lab's training loop on (12288, ...) datasets, written with plain TensorFlow ops:
    returns parameters (numpy) and the cost per epoch (total loss / m)."""
    params = initialize_parameters()
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
            tf.data.Dataset.from_tensor_slices(y).map(one_hot_matrix),
        ]
    return out


def accuracy(parameters, images, labels):
    """Accuracy of trained parameters (numpy arrays or variables) on (m, 64, 64, 3) images."""
    params = {k: np.asarray(v, dtype=np.float64)[None] for k, v in parameters.items()}
    X = images.reshape(len(images), -1).T / 255.0
    return float(np.mean(stacked.predict(X, params, "softmax")[0] == labels))
