"""A small CNN on scikit-learn's bundled digits (8x8 images of 0-9; no download), in PyTorch.

Two 3x3 convolutions (--channels, then twice as many), a dense layer (--hidden units) with
--dropout, Adam at --lr, for --epochs epochs on 80% of the images, validated on the other 20%.
It prints Keras-style progress, which Hyperbayes reads as `keras/<name>` with the epoch as step:

    Epoch 3/10
    23/23 [==============================] - 0s 4ms/step - loss: 0.3012 - acc: 0.9102 - val_loss: 0.2789 - val_acc: 0.9250

On the GPU when one is present (torch.cuda.is_available(); Hyperbayes sets
CUDA_VISIBLE_DEVICES per trial), else on the CPU. Deterministic on the CPU (--seed).

    python3 train.py --lr 0.003 --channels 16 --hidden 64 --dropout 0.2 --epochs 10
"""

import argparse
import sys
import time

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn


def fraction(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def model_for(channels, hidden, dropout):
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
        nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Flatten(),
        nn.Linear(2 * channels * 4 * 4, hidden), nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )


def bar(done, total, width=30):
    filled = width * done // total
    return "[" + "=" * filled + (">" if filled < width else "") + "." * (width - filled - 1) + "]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lr", type=positive, required=True, help="Adam's learning rate (log scale)")
    parser.add_argument("--channels", type=int, required=True, help="filters of the first convolution")
    parser.add_argument("--hidden", type=int, default=64, help="units of the dense layer")
    parser.add_argument("--dropout", type=fraction, default=0.2, help="dropout before the output")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in ("channels", "hidden", "epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"device: {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), flush=True)

    X, y = load_digits(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    def tensors(X, y):
        return (torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8).to(device),
                torch.tensor(y, dtype=torch.long).to(device))
    X_train, y_train = tensors(X_train, y_train)
    X_valid, y_valid = tensors(X_valid, y_valid)

    model = model_for(args.channels, args.hidden, args.dropout).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    batches = (len(X_train) + args.batch_size - 1) // args.batch_size

    for epoch in range(1, args.epochs + 1):
        print(f"Epoch {epoch}/{args.epochs}", flush=True)
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(X_train), device=device)
        total_loss, correct = 0.0, 0
        for i in range(batches):
            index = order[i * args.batch_size:(i + 1) * args.batch_size]
            optimizer.zero_grad()
            out = model(X_train[index])
            loss = loss_fn(out, y_train[index])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(index)
            correct += (out.argmax(1) == y_train[index]).sum().item()
        model.eval()
        with torch.no_grad():
            out = model(X_valid)
            val_loss = loss_fn(out, y_valid).item()
            val_acc = (out.argmax(1) == y_valid).float().mean().item()
        seconds = time.perf_counter() - start
        print(f"{batches}/{batches} {bar(batches, batches)} - {seconds:.0f}s {1000 * seconds / batches:.0f}ms/step"
              f" - loss: {total_loss / len(X_train):.4f} - acc: {correct / len(X_train):.4f}"
              f" - val_loss: {val_loss:.4f} - val_acc: {val_acc:.4f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
