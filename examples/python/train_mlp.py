"""MLP on Fashion-MNIST from Python (one epoch of Adam: ~0.85 test accuracy). Usage: train_mlp.py [max_steps]"""
import sys
import cajal, cajal.nn as nn, cajal.nn.functional as F
from cajal.utils.data import DataLoader, TensorDataset
max_steps = int(sys.argv[1]) if len(sys.argv) > 1 else -1  # the test runs a few steps only
cajal.manual_seed(0)
images, labels = cajal.datasets.fashion_mnist("train", flatten=True)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
opt = cajal.optim.Adam(model.parameters(), lr=1e-3)
for step, (x, y) in enumerate(DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True, seed=0)):
    if step == max_steps:
        break
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
test_images, test_labels = cajal.datasets.fashion_mnist("test", flatten=True)
with cajal.no_grad():
    accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
print(f"steps {step} loss {loss.item():.4f} test accuracy {accuracy:.4f}")
