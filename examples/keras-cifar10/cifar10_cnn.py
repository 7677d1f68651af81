"""The Keras CIFAR-10 CNN of Spell's hyperparameter search example, with its flags.

Four 3x3 (--conv2_kernel) convolutions in two blocks, the second block's with --conv2_filter
filters, a dense layer of --dense_layer units and --dropout_3 before the output, RMSprop, for
--epochs epochs on CIFAR-10's 50,000 training images, validated on its 10,000 test images.
Keras prints its own progress (`Epoch 3/25` ... `- val_accuracy: 0.6123`), which Hyperbayes
reads as `keras/val_accuracy`, also named `keras/val_acc` (Keras 2.2's name, Spell's metric).

Needs Keras 3 with a backend (pip install keras jax, or tensorflow), internet access the first
time (keras downloads the dataset, 170 MB, to ~/.keras/datasets) and, to finish 25 epochs in
minutes rather than hours, a GPU. `--data synthetic` trains on CIFAR-shaped images made on the
spot instead, to try a search offline. The search of DESIGN.md's reference experience:

    hyperbayes bayesian -t K80 \\
      --param conv2_filter=16:128:int --param conv2_kernel=2:8:int \\
      --param dense_layer=64:1024:int --param dropout_3=0.001:0.999 \\
      --num-runs 21 --parallel-runs 3 --metric keras/val_acc --metric-agg last \\
      -- python cifar10_cnn.py --epochs 25 --conv2_filter :conv2_filter: \\
         --conv2_kernel :conv2_kernel: --dense_layer :dense_layer: --dropout_3 :dropout_3:
"""

import argparse
import sys


def unit(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def import_keras():
    """Keras 3 (any backend: KERAS_BACKEND=jax, torch or tensorflow), else TensorFlow's Keras 2."""
    try:
        import keras
        return keras
    except ImportError:
        from tensorflow import keras
        return keras


def synthetic_cifar(seed, train=1000, test=250, classes=10):
    """CIFAR-10's shapes (32x32x3 in [0, 1], labels 0-9): each class a fixed colour pattern
    under noise, so a network learns it in a few epochs and the flags still matter."""
    import numpy as np

    rng = np.random.default_rng(seed)
    patterns = rng.uniform(0.2, 0.8, size=(classes, 32, 32, 3)).astype("float32")

    def draw(n):
        y = rng.integers(0, classes, size=(n, 1))
        noise = rng.normal(0, 0.2, size=(n, 32, 32, 3)).astype("float32")
        return np.clip(patterns[y[:, 0]] + noise, 0, 1), y

    return draw(train), draw(test)


def build(keras, args, input_shape, classes):
    layers = keras.layers
    k = (args.conv2_kernel, args.conv2_kernel)
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(args.dropout_1),
        layers.Conv2D(args.conv2_filter, k, padding="same", activation="relu"),
        layers.Conv2D(args.conv2_filter, k, padding="same", activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Dropout(args.dropout_2),
        layers.Flatten(),
        layers.Dense(args.dense_layer, activation="relu"),
        layers.Dropout(args.dropout_3),
        layers.Dense(classes, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--conv2_filter", type=int, default=64, help="filters of the second block")
    parser.add_argument("--conv2_kernel", type=int, default=3, help="kernel size of the second block")
    parser.add_argument("--dense_layer", type=int, default=512, help="units of the dense layer")
    parser.add_argument("--dropout_1", type=unit, default=0.25)
    parser.add_argument("--dropout_2", type=unit, default=0.25)
    parser.add_argument("--dropout_3", type=unit, default=0.5, help="dropout before the output")
    parser.add_argument("--learning_rate", type=float, default=1e-4)
    parser.add_argument(
        "--data", choices=("cifar10", "synthetic"), default="cifar10",
        help="synthetic: CIFAR-shaped images made here (no download), to try a search offline",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    args = parser.parse_args()
    for name in ("epochs", "batch_size", "conv2_filter", "conv2_kernel", "dense_layer"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")

    keras = import_keras()  # after the flags are checked: it takes seconds

    if args.data == "synthetic":
        (x_train, y_train), (x_test, y_test) = synthetic_cifar(args.seed)
    else:
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        x_train = x_train.astype("float32") / 255
        x_test = x_test.astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)

    model = build(keras, args, x_train.shape[1:], 10)
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.RMSprop(learning_rate=args.learning_rate),
        metrics=["accuracy"],
    )
    model.fit(
        x_train, y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(x_test, y_test),
        shuffle=True,
        verbose=2 if not sys.stdout.isatty() else 1,
    )


if __name__ == "__main__":
    sys.exit(main())
